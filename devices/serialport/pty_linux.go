package serialport

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair: a simulator holds Master and the code under
// test opens SlaveName through tarm/serial like a real port.
type PTY struct {
	Master    *os.File
	SlaveName string
	// slave is held open so that the master does not read EIO while the code
	// under test has not opened (or has closed and is reopening) the port.
	slave *os.File
}

// OpenPTY creates a pair with the slave in raw mode (a fresh slave is in
// cooked mode, which would echo and rewrite bytes a simulator writes before
// the port is opened).
func OpenPTY() (*PTY, error) {
	// Non-blocking, so the master is on Go's poller: Close then wakes a
	// goroutine blocked in Read (a simulator) and the slave sees the hang-up at
	// once, as when a USB cable is pulled.
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open ptmx: %w", err)
	}
	m := os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("pty number: %w", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	s, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	t, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		s.Close()
		m.Close()
		return nil, err
	}
	// cfmakeraw
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, t); err != nil {
		s.Close()
		m.Close()
		return nil, err
	}
	return &PTY{Master: m, SlaveName: name, slave: s}, nil
}

// Close closes the master: to the slave's reader this looks like a pulled cable.
func (p *PTY) Close() error {
	err := p.Master.Close()
	p.slave.Close()
	return err
}
