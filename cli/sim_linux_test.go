package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianmin/devices"
	"bianmin/devices/escpos"
	"bianmin/devices/idcard"
	"bianmin/devices/keypad"
	"bianmin/devices/serialport"
	"bianmin/internal/eventually"
)

func waitLink(t *testing.T, link string) {
	t.Helper()
	eventually.True(t, link, func() bool { _, err := os.Stat(link); return err == nil })
}

// `bianmin sim keypad` answers a real START_RATING sent through tarm/serial.
func TestSimKeypad(t *testing.T) {
	link := filepath.Join(t.TempDir(), "keypad")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"sim", "keypad", "--port", link, "--stars", "2", "--delay", "10ms"}, io.Discard, io.Discard)
	}()
	waitLink(t, link)
	port, err := serialport.Open(serialport.Config{Name: link})
	if err != nil {
		t.Fatal(err)
	}
	host := keypad.NewFrameHost(port, 1, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hctx, hstop := context.WithCancel(ctx)
	go host.Run(hctx, serialport.NoData)
	if err := host.StartRating(keypad.StartRating{TimeoutS: 30, AskReasons: true, Txn: "BM1", ClerkNo: "0107", ClerkName: "张三"}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-host.Readings:
		if r.Txn != "BM1" || r.Stars != 2 || len(r.Reasons) != 1 {
			t.Fatalf("reading %+v", r)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no RESULT from the simulator")
	}
	hstop()
	port.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Lstat(link); err == nil {
		t.Error("link left behind")
	}
}

// `bianmin sim printer` stores each job and its preview; paper-out is reported.
func TestSimPrinter(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "printer")
	out := filepath.Join(dir, "jobs")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Run(ctx, []string{"sim", "printer", "--port", link, "--out", out}, io.Discard, os.Stderr)
	waitLink(t, link)
	pr := &devices.Printer{Cfg: devices.PrinterConfig{Enabled: true, Conn: "serial", Address: link, Profile: escpos.Profile80},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	job := escpos.New(escpos.Profile80).Line("办件回执").Cut().Bytes()
	if err := pr.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	// The preview is written first: the .bin appearing means the job is complete.
	eventually.True(t, "the job stored", func() bool {
		got, err := os.ReadFile(filepath.Join(out, "job-0001.bin"))
		return err == nil && bytes.Equal(got, job)
	})
	if _, err := os.Stat(filepath.Join(out, "job-0001.png")); err != nil {
		t.Fatal("no preview")
	}
}

// `bianmin sim idcard` plays a reader with the named card, read through
// tarm/serial by the real host code.
func TestSimIDCard(t *testing.T) {
	link := filepath.Join(t.TempDir(), "idcard")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"sim", "idcard", "--port", link, "--name", "欧阳娜娜", "--number", "370902199003070025"}, io.Discard, io.Discard)
	}()
	waitLink(t, link)
	port, err := serialport.Open(serialport.Config{Name: link, Baud: 115200, ReadTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := &idcard.Host{RW: port, NoData: serialport.NoData}
	c, present, err := h.ReadCard(ctx)
	if err != nil || !present || c.Name != "欧阳娜娜" || c.Number != "370902199003070025" {
		t.Fatalf("read %+v present %v: %v", c, present, err)
	}
	port.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}
