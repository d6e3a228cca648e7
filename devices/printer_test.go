//go:build linux

package devices

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/devices/escpos"
	"bianmin/devices/serialport"
)

func TestPrinterOverTCP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := &PrinterSim{}
	addr, err := sim.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pr := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: "tcp", Address: addr.String(), Profile: escpos.Profile80}, Log: quiet()}
	job := escpos.New(escpos.Profile80).Line("办件回执").Cut().Bytes()
	if err := pr.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "job received", func() bool { return len(sim.Jobs()) == 1 })
	if got := sim.Jobs()[0]; !bytes.Equal(got, job) {
		t.Fatalf("printer got % X\nwant % X", got, job)
	}

	// Paper out: the clerk gets the reason, and nothing is sent.
	sim.SetStatus(escpos.Status{PaperOut: true})
	err = pr.Print(ctx, job)
	var pe *PrintError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "缺纸") {
		t.Fatalf("paper out: %v", err)
	}
	sim.SetStatus(escpos.Status{CoverOpen: true})
	if err := pr.Print(ctx, job); !errors.As(err, &pe) || !strings.Contains(pe.Msg, "纸仓盖") {
		t.Fatalf("cover open: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(sim.Jobs()); n != 1 {
		t.Fatalf("%d jobs printed; the refused ones must not be sent", n)
	}

	// Disabled printer; unreachable printer.
	if err := (&Printer{Cfg: PrinterConfig{Conn: "tcp", Address: addr.String()}}).Print(ctx, job); !errors.Is(err, ErrPrinterDisabled) {
		t.Fatalf("disabled: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	bad := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: "tcp", Address: dead}, Log: quiet()}
	if err := bad.Print(ctx, job); !errors.As(err, &pe) || !strings.Contains(pe.Msg, "无法连接打印机") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestPrinterOverSerialPTY(t *testing.T) {
	pty, err := serialport.OpenPTY()
	if err != nil {
		t.Skip(err)
	}
	defer pty.Close()
	sim := &PrinterSim{}
	go sim.Serve(pty.Master)
	pr := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: "serial", Address: pty.SlaveName, Profile: escpos.Profile58}, Log: quiet()}
	job := escpos.New(escpos.Profile58).Line("A012").Cut().Bytes()
	if err := pr.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "job over serial", func() bool { return len(sim.Jobs()) == 1 })
	if !bytes.Equal(sim.Jobs()[0], job) {
		t.Fatalf("got % X", sim.Jobs()[0])
	}
}

// A device file (/dev/usb/lp0) gives no status replies: the job is written as is.
func TestPrinterDeviceFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pr := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: "file", Address: f}, Log: quiet()}
	job := escpos.New(escpos.Profile58).Line("test").Bytes()
	if err := pr.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(f); !bytes.Equal(got, job) {
		t.Fatalf("file holds % X", got)
	}
}

// A status query split across reads (a slow serial line) is still answered.
func TestPrinterSimSplitQuery(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	sim := &PrinterSim{}
	go sim.Serve(b)
	for _, part := range [][]byte{{0x10}, {0x04}, {0x02}} {
		go a.Write(part)
		time.Sleep(10 * time.Millisecond)
	}
	reply := make([]byte, 1)
	_ = a.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := a.Read(reply); err != nil || reply[0] != 0x12 {
		t.Fatalf("reply % X %v", reply, err)
	}
}
