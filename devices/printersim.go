package devices

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"

	"bianmin/devices/escpos"
)

// PrinterSim is an ESC/POS printer simulator: it answers DLE EOT status
// queries with the state it is set to and collects the jobs it receives.
// The demo runs it on a PTY or on loopback TCP; tests set paper-out on it.
type PrinterSim struct {
	mu     sync.Mutex
	status escpos.Status
	jobs   [][]byte
	OnJob  func([]byte)
}

// SetStatus sets what the simulated printer reports.
func (s *PrinterSim) SetStatus(st escpos.Status) { s.mu.Lock(); s.status = st; s.mu.Unlock() }

// Jobs returns the jobs received so far (a job ends when the connection closes
// or with the FS . that ends every job we send).
func (s *PrinterSim) Jobs() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.jobs...)
}

func (s *PrinterSim) reply(q byte) byte {
	s.mu.Lock()
	st := s.status
	s.mu.Unlock()
	b := byte(0x12)
	switch q {
	case 1:
		if st.Offline {
			b |= 0x08
		}
	case 2:
		if st.CoverOpen {
			b |= 0x04
		}
		if st.PaperOut {
			b |= 0x20
		}
		if st.Error {
			b |= 0x40
		}
	case 4:
		if st.PaperLow {
			b |= 0x0C
		}
		if st.PaperOut {
			b |= 0x60
		}
	}
	return b
}

// Serve handles one connection's byte stream until it ends.
func (s *PrinterSim) Serve(rw io.ReadWriter) {
	buf := make([]byte, 4096)
	var job bytes.Buffer
	var carry []byte // a DLE EOT split across reads
	for {
		n, err := rw.Read(buf)
		data := append(carry, buf[:n]...)
		carry = nil
		for len(data) > 0 {
			i := bytes.Index(data, []byte{0x10, 0x04})
			if i < 0 {
				if data[len(data)-1] == 0x10 {
					job.Write(data[:len(data)-1])
					carry = []byte{0x10}
				} else {
					job.Write(data)
				}
				break
			}
			if i+2 >= len(data) {
				job.Write(data[:i])
				carry = append([]byte(nil), data[i:]...)
				break
			}
			job.Write(data[:i])
			_, _ = rw.Write([]byte{s.reply(data[i+2])})
			data = data[i+3:]
		}
		// Every job we send ends with FS . (Chinese mode off).
		if j := job.Bytes(); len(j) > 0 && bytes.HasSuffix(j, []byte{0x1C, 0x2E}) {
			s.finish(&job)
		}
		if err != nil {
			s.finish(&job)
			return
		}
	}
}

func (s *PrinterSim) finish(job *bytes.Buffer) {
	if job.Len() == 0 {
		return
	}
	j := append([]byte(nil), job.Bytes()...)
	job.Reset()
	s.mu.Lock()
	s.jobs = append(s.jobs, j)
	cb := s.OnJob
	s.mu.Unlock()
	if cb != nil {
		cb(j)
	}
}

// ListenTCP serves raw port-9100 style connections on addr until ctx ends.
func (s *PrinterSim) ListenTCP(ctx context.Context, addr string) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { <-ctx.Done(); ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); s.Serve(c) }()
		}
	}()
	return ln.Addr(), nil
}
