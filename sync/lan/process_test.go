package lan

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
)

// Tests that need processes of their own (a counter PC, a hub that is
// killed and started again) re-execute this test binary: the child runs
// TestChild, which dispatches on these variables.
const (
	childModeEnv = "BIANMIN_LAN_CHILD"
	childArgEnv  = "BIANMIN_LAN_CHILD_ARG"
)

var childModes = map[string]func(t *testing.T, arg string){
	"caller": childCaller,
	"hub":    childHub,
}

func TestChild(t *testing.T) {
	mode := os.Getenv(childModeEnv)
	if mode == "" {
		t.Skip("runs only as a child process of another test")
	}
	fn, ok := childModes[mode]
	if !ok {
		t.Fatalf("unknown child mode %q", mode)
	}
	fn(t, os.Getenv(childArgEnv))
}

func childCmd(mode, arg string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childModeEnv+"="+mode, childArgEnv+"="+arg)
	return cmd
}

// childCaller is one counter PC: arg is "hubURL window"; it calls the next
// ticket until the queue is empty and prints each ticket it got.
func childCaller(t *testing.T, arg string) {
	var url string
	var window int64
	if _, err := fmt.Sscan(arg, &url, &window); err != nil {
		t.Fatalf("arg %q: %v", arg, err)
	}
	c := NewClient(url, testKey, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	defer c.Close()
	ctx := context.Background()
	n := 0
	for {
		tk, err := c.CallNext(ctx, window, window)
		if app.ErrorCode(err) == "queue_empty" {
			break
		}
		if err != nil {
			t.Fatalf("window %d: %v", window, err)
		}
		if tk.WindowID != window || tk.State != app.TicketCalled {
			t.Fatalf("window %d got %+v", window, tk)
		}
		fmt.Printf("LANCALL window=%d ticket=%d\n", window, tk.ID)
		n++
	}
	t.Logf("window %d called %d tickets", window, n)
}

// childHub is the hub PC: arg is "addr dbPath"; it serves until killed.
func childHub(t *testing.T, arg string) {
	addr, dbPath, _ := strings.Cut(arg, " ")
	hall := openTestHall(t, dbPath, 4)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(hall, testKey, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	hs := &http.Server{Handler: srv}
	go hs.Serve(l)
	fmt.Println("LANHUB listening")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
}

func TestTenCounterProcessesNeverShareATicket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 10 processes")
	}
	const windows, tickets = 10, 200
	dbPath := filepath.Join(t.TempDir(), "hub.db")
	hall := openTestHall(t, dbPath, windows)
	h := startHub(t, hall)
	ctx := context.Background()
	c := h.client(t)
	issued := map[int64]bool{}
	for i := 0; i < tickets; i++ {
		it, err := c.Issue(ctx, app.IssueRequest{CategoryID: testCategory})
		if err != nil {
			t.Fatal(err)
		}
		issued[it.Ticket.ID] = true
	}

	var mu sync.Mutex
	got := map[int64]int64{} // ticket → window
	perWindow := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, windows)
	for w := int64(1); w <= windows; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := childCmd("caller", fmt.Sprintf("%s %d", h.url, w)).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestChild") {
				errs <- fmt.Errorf("window %d: %v\n%s", w, err, out)
				return
			}
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			mu.Lock()
			defer mu.Unlock()
			for sc.Scan() {
				var win, id int64
				if _, err := fmt.Sscanf(sc.Text(), "LANCALL window=%d ticket=%d", &win, &id); err != nil {
					continue
				}
				if prev, dup := got[id]; dup {
					errs <- fmt.Errorf("ticket %d called at window %d and at window %d", id, prev, win)
				}
				got[id] = win
				perWindow[win]++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(got) != len(issued) {
		t.Fatalf("%d tickets called, %d issued", len(got), len(issued))
	}
	for id := range issued {
		if _, ok := got[id]; !ok {
			t.Errorf("ticket %d never called", id)
		}
	}
	t.Logf("tickets per window: %v", perWindow)

	// The hub's record agrees with what each counter was told.
	d, err := storage.OpenReadOnly(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	stored, err := d.TicketsIssued(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != tickets {
		t.Fatalf("%d tickets stored, %d issued", len(stored), tickets)
	}
	for _, tk := range stored {
		if tk.WindowID != got[tk.ID] || tk.ClerkID != got[tk.ID] || tk.CalledAt.IsZero() {
			t.Errorf("stored %s: window %d clerk %d called %v; counter %d was told it was theirs",
				tk.Number, tk.WindowID, tk.ClerkID, tk.CalledAt, got[tk.ID])
		}
	}
}

// freeAddr is a loopback address nothing listens on (a hub started there
// later may restart on it).
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startHubProcess runs a hub child on addr and waits until it listens.
func startHubProcess(t *testing.T, addr, dbPath string) *exec.Cmd {
	t.Helper()
	cmd := childCmd("hub", addr+" "+dbPath)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "LANHUB listening") {
			go func() { // keep the pipe drained
				for sc.Scan() {
				}
			}()
			return cmd
		}
	}
	t.Fatalf("hub process did not start: %v", sc.Err())
	return nil
}

func TestFollowerGetsEventsAgainAfterTheHubRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hub processes")
	}
	addr := freeAddr(t)
	dbPath := filepath.Join(t.TempDir(), "hub.db")
	hub1 := startHubProcess(t, addr, dbPath)

	c := NewClient(addr, testKey, nil)
	defer c.Close()
	links := make(chan Link, 16)
	events := make(chan app.HallEvent, 64)
	f := &Follower{Hall: c, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		OnEvent: func(ev app.HallEvent) { events <- ev },
		OnLink:  func(l Link) { links <- l }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()

	waitLink := func(up bool) Link {
		t.Helper()
		for {
			select {
			case l := <-links:
				if l.Up == up && !l.Missed {
					return l
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("link never became up=%v", up)
			}
		}
	}
	callAndSee := func(round int) {
		t.Helper()
		it, err := c.Issue(ctx, app.IssueRequest{CategoryID: testCategory})
		if err != nil {
			t.Fatalf("round %d issue: %v", round, err)
		}
		tk, err := c.CallNext(ctx, 1, 1)
		if err != nil {
			t.Fatalf("round %d call: %v", round, err)
		}
		if tk.ID != it.Ticket.ID {
			t.Fatalf("round %d: called %d, issued %d", round, tk.ID, it.Ticket.ID)
		}
		deadline := time.After(30 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev.Kind == app.EventCalled && ev.Call != nil && ev.Call.TicketID == tk.ID {
					return
				}
			case <-deadline:
				t.Fatalf("round %d: no called event", round)
			}
		}
	}

	if l := waitLink(true); l.Message() != "中心主机连接正常" {
		t.Fatalf("up message %q", l.Message())
	}
	callAndSee(1)

	// The hub PC loses power: no goodbye on the stream.
	hub1.Process.Kill()
	hub1.Wait()
	if l := waitLink(false); !strings.Contains(l.Message(), "已断开，正在重连") {
		t.Fatalf("down message %q", l.Message())
	}
	_, err := c.Board(ctx)
	if app.ErrorCode(err) != "hub_unreachable" {
		t.Fatalf("board while the hub is down: %v", err)
	}

	startHubProcess(t, addr, dbPath)
	waitLink(true)
	callAndSee(2)

	cancel()
	<-done
}
