// Package serialport is the one place that knows github.com/tarm/serial: it
// opens ports with a short read timeout, lists the ports a machine has, and
// (on Linux) makes pseudo-terminal pairs for simulators and tests.
package serialport

import (
	"errors"
	"io"
	"time"

	"github.com/tarm/serial"
)

// Port is an open serial line.
type Port interface {
	io.ReadWriteCloser
}

// Config names a port and its speed; 8N1 always (the keypad spec's default).
type Config struct {
	Name        string        // COM3, /dev/ttyUSB0
	Baud        int           // default 9600
	ReadTimeout time.Duration // default 150 ms: Close waits for a pending Read
}

// Open opens a serial port.
func Open(c Config) (Port, error) {
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 150 * time.Millisecond
	}
	return serial.OpenPort(&serial.Config{Name: c.Name, Baud: c.Baud, ReadTimeout: c.ReadTimeout})
}

// NoData reports whether a Read result means "nothing arrived before the
// timeout": tarm returns (0, io.EOF) on Linux and (0, nil) on Windows.
func NoData(n int, err error) bool {
	return n == 0 && (err == nil || errors.Is(err, io.EOF))
}
