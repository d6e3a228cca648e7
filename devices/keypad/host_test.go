//go:build linux

package keypad

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"bianmin/devices/serialport"
)

// A frame keypad simulator on a real pseudo-terminal, driven through tarm/serial.
func startPair(t *testing.T, rate func(StartRating) (*Result, time.Duration)) (*FrameHost, *Sim, *serialport.PTY) {
	t.Helper()
	pty, err := serialport.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	port, err := serialport.Open(serialport.Config{Name: pty.SlaveName, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sim := &Sim{RW: pty.Master, Addr: 1, Model: "BMK-S1", Firmware: "1.0", Rate: rate}
	host := NewFrameHost(port, 1, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() { _ = host.Run(ctx, serialport.NoData); close(done) }()
	go func() { _ = sim.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; port.Close(); pty.Close() })
	return host, sim, pty
}

func next(t *testing.T, h *FrameHost) Reading {
	t.Helper()
	select {
	case r := <-h.Readings:
		return r
	case <-time.After(3 * time.Second):
		t.Fatal("no reading from the keypad")
	}
	return Reading{}
}

func TestFrameKeypadRatingOverPTY(t *testing.T) {
	host, sim, _ := startPair(t, func(st StartRating) (*Result, time.Duration) {
		if st.Txn == "BM0002" {
			return nil, 10 * time.Millisecond // walked away
		}
		return &Result{Txn: st.Txn, Stars: 2, Reasons: []byte{3, 5}}, 20 * time.Millisecond
	})
	model, fw, err := host.Ping(time.Second)
	if err != nil || model != "BMK-S1" || fw != "1.0" {
		t.Fatalf("ping: %q %q %v", model, fw, err)
	}
	if err := host.StartRating(StartRating{TimeoutS: 30, AskReasons: true, Txn: "BM0001", ClerkNo: "0107", ClerkName: "张三"}); err != nil {
		t.Fatal(err)
	}
	r := next(t, host)
	if r.Kind != ReadingResult || r.Txn != "BM0001" || r.Stars != 2 || len(r.Reasons) != 2 {
		t.Fatalf("reading %+v", r)
	}
	if len(sim.Started) != 1 || sim.Started[0].ClerkName != "张三" {
		t.Errorf("keypad showed %+v", sim.Started)
	}
	if err := host.StartRating(StartRating{TimeoutS: 5, Txn: "BM0002"}); err != nil {
		t.Fatal(err)
	}
	if r := next(t, host); r.Kind != ReadingTimeout || r.Txn != "BM0002" {
		t.Fatalf("reading %+v", r)
	}
	if !sim.PressKey(4) {
		t.Fatal("host did not acknowledge KEY")
	}
	if r := next(t, host); r.Kind != ReadingKey || r.Stars != 4 {
		t.Fatalf("reading %+v", r)
	}
}

// A RESULT re-sent with the same SEQ (the host's ACK was lost) is delivered once.
func TestRepeatedResultDeliveredOnce(t *testing.T) {
	host, sim, pty := startPair(t, nil)
	pl, _ := Result{Txn: "BM0009", Stars: 5}.Payload()
	for i := 0; i < 3; i++ {
		sim.write(CmdResult, 0x42, pl) // same (addr, seq, cmd) three times
	}
	_ = pty
	if r := next(t, host); r.Txn != "BM0009" {
		t.Fatalf("reading %+v", r)
	}
	select {
	case r := <-host.Readings:
		t.Fatalf("repeat delivered again: %+v", r)
	case <-time.After(400 * time.Millisecond):
	}
}

// Garbage on the line between frames does not lose the rating.
func TestGarbageBetweenFrames(t *testing.T) {
	host, sim, pty := startPair(t, nil)
	_, _ = pty.Master.Write([]byte("\x00\xFF\xA5noise\r\n\xA5\x5A\x01"))
	time.Sleep(150 * time.Millisecond) // the partial frame is dropped after the gap
	pl, _ := Result{Txn: "BM0010", Stars: 4}.Payload()
	if !sim.Send(CmdResult, pl) {
		t.Fatal("no ACK for RESULT after garbage")
	}
	if r := next(t, host); r.Txn != "BM0010" || r.Stars != 4 {
		t.Fatalf("reading %+v", r)
	}
}

// A keypad that never answers: StartRating gives up after 3 tries.
func TestNoAck(t *testing.T) {
	pty, err := serialport.OpenPTY()
	if err != nil {
		t.Skip(err)
	}
	defer pty.Close()
	port, err := serialport.Open(serialport.Config{Name: pty.SlaveName})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	host := NewFrameHost(port, 1, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go io.Copy(io.Discard, pty.Master)
	if err := host.StartRating(StartRating{Txn: "X"}); err != ErrNoAck {
		t.Fatalf("err = %v", err)
	}
}
