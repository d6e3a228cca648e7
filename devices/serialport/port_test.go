//go:build linux

package serialport

import (
	"bytes"
	"io"
	"testing"
	"time"

	"bianmin/internal/eventually"
)

// Real serial I/O: tarm/serial on the slave of a pseudo-terminal.
func TestTarmOverPTY(t *testing.T) {
	pty, err := OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer pty.Close()
	port, err := Open(Config{Name: pty.SlaveName, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()

	// Device → host, including bytes a cooked tty would rewrite (CR, ^C, ^S).
	sent := []byte{0xA5, 0x5A, '\r', '\n', 0x03, 0x13, 0x00, 0xFF}
	if _, err := pty.Master.Write(sent); err != nil {
		t.Fatal(err)
	}
	var got []byte
	deadline := time.Now().Add(2 * time.Second)
	buf := make([]byte, 64)
	for len(got) < len(sent) && time.Now().Before(deadline) {
		n, err := port.Read(buf)
		if err != nil && !NoData(n, err) {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, sent) {
		t.Fatalf("read % X, want % X", got, sent)
	}
	// A read with nothing pending times out as "no data".
	n, err := port.Read(buf)
	if !NoData(n, err) {
		t.Fatalf("idle read = %d, %v", n, err)
	}
	// Host → device.
	if _, err := port.Write([]byte("PING")); err != nil {
		t.Fatal(err)
	}
	in := make([]byte, 4)
	if _, err := io.ReadFull(pty.Master, in); err != nil || string(in) != "PING" {
		t.Fatalf("master read %q %v", in, err)
	}
	// Pulled cable: the master goes away; writes fail.
	pty.Close()
	eventually.True(t, "a write failing after the device vanished", func() bool {
		_, err := port.Write([]byte("x"))
		return err != nil
	})
}

func TestListDoesNotFail(t *testing.T) {
	ports, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ports {
		if p.Name == "" {
			t.Errorf("empty port name in %+v", ports)
		}
	}
}
