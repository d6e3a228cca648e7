//go:build unix

package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/sync/lan"
)

const serveChildEnv = "BIANMIN_SERVE_CHILD_ARGS"

// TestServeChild is `bianmin serve` in a process of its own (see
// TestServeStopsOnSIGTERM); the arguments come tab-separated in the env.
func TestServeChild(t *testing.T) {
	args := os.Getenv(serveChildEnv)
	if args == "" {
		t.Skip("runs only as a child process of TestServeStopsOnSIGTERM")
	}
	code := Run(context.Background(), strings.Split(args, "\t"), os.Stdout, os.Stderr)
	fmt.Printf("SERVE EXIT %d\n", code)
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	db := initDB(t, t.TempDir())
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join([]string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, "\t"))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var addr string
	for addr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("serve ended before listening")
			}
			if m := listenRE.FindStringSubmatch(l); m != nil {
				addr = m[1]
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not start")
		}
	}
	// A hall display holds the event stream: shutdown must not wait on it.
	j := pcAdd(t, "--db", db, "--role", "display", "--addr", addr)
	res, err := lan.Join(context.Background(), j, "display-pc")
	if err != nil {
		t.Fatal(err)
	}
	c, err := lan.NewPinnedClient(j.URL(), j.Pin, res.Credential, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Board(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, strings.Join(rest, "\n"))
	}
	all := strings.Join(rest, "\n")
	if !strings.Contains(all, "中心主机已停止") || !strings.Contains(all, "SERVE EXIT 0") {
		t.Fatalf("output after SIGTERM:\n%s", all)
	}
	for range ch { // the display saw its stream end
	}
	if _, err := c.Board(context.Background()); app.ErrorCode(err) != "hub_unreachable" {
		t.Fatalf("after stop: %v", err)
	}
}
