package keypad

import (
	"context"
	"io"
	"sync"
	"time"
)

// Sim is a BMK/1 keypad simulator for tests and the demo: it runs on the
// master side of a pseudo-terminal (or any byte stream) and behaves as the
// spec says a device does — ACK within 200 ms, PONG for PING, and a RESULT or
// TIMEOUT for each START_RATING, re-sent with the same SEQ until acknowledged.
type Sim struct {
	RW       io.ReadWriter
	Addr     byte
	Model    string
	Firmware string
	// Rate decides what the person presses for a started rating; nil result
	// means they walk away (TIMEOUT). Delay is how long they take.
	Rate  func(StartRating) (res *Result, delay time.Duration)
	Retry time.Duration // ACK wait before a re-send (default 200 ms)

	mu      sync.Mutex
	seq     byte
	acked   map[byte]bool
	Started []StartRating // what the host asked for, in order
	Idle    []string
}

func (s *Sim) write(cmd byte, seq byte, payload []byte) {
	b, _ := Frame{Addr: s.Addr, Seq: seq, Cmd: cmd, Payload: payload}.Encode()
	_, _ = s.RW.Write(b)
}

// Send sends a frame and re-sends it (same SEQ, up to 3 times) until the host
// acknowledges it. It returns whether an ACK came.
func (s *Sim) Send(cmd byte, payload []byte) bool {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	if s.acked == nil {
		s.acked = map[byte]bool{}
	}
	s.acked[seq] = false
	s.mu.Unlock()
	wait := s.Retry
	if wait == 0 {
		wait = 200 * time.Millisecond
	}
	for try := 0; try < 3; try++ {
		s.write(cmd, seq, payload)
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			s.mu.Lock()
			ok := s.acked[seq]
			s.mu.Unlock()
			if ok {
				return true
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return false
}

// Run serves the host until ctx ends or the stream closes.
func (s *Sim) Run(ctx context.Context) error {
	p := NewParser()
	buf := make([]byte, 256)
	for ctx.Err() == nil {
		n, err := s.RW.Read(buf)
		if err != nil {
			return err
		}
		for _, ev := range p.Feed(buf[:n], time.Now()) {
			f := ev.Frame
			if f.Addr != s.Addr {
				continue
			}
			if ev.BadCRC {
				s.write(CmdAck, f.Seq, []byte{AckBadCRC})
				continue
			}
			switch f.Cmd {
			case CmdAck:
				s.mu.Lock()
				if _, ok := s.acked[f.Seq]; ok {
					s.acked[f.Seq] = true
				}
				s.mu.Unlock()
			case CmdPing:
				s.write(CmdAck, f.Seq, []byte{AckOK})
				pl, _ := StringPayload(s.Model, s.Firmware)
				go s.Send(CmdPong, pl)
			case CmdStartRating:
				st, err := ParseStartRating(f.Payload)
				if err != nil {
					s.write(CmdAck, f.Seq, []byte{AckBadPayload})
					continue
				}
				s.write(CmdAck, f.Seq, []byte{AckOK})
				s.mu.Lock()
				s.Started = append(s.Started, st)
				s.mu.Unlock()
				go s.answer(ctx, st)
			case CmdCancel, CmdShowIdle:
				s.write(CmdAck, f.Seq, []byte{AckOK})
				if f.Cmd == CmdShowIdle {
					if ss, err := ParseStrings(f.Payload, 2); err == nil {
						s.mu.Lock()
						s.Idle = ss
						s.mu.Unlock()
					}
				}
			default:
				s.write(CmdAck, f.Seq, []byte{AckUnknownCmd})
			}
		}
	}
	return ctx.Err()
}

func (s *Sim) answer(ctx context.Context, st StartRating) {
	var res *Result
	var delay time.Duration
	if s.Rate != nil {
		res, delay = s.Rate(st)
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(delay):
	}
	if res == nil {
		pl, _ := StringPayload(st.Txn)
		s.Send(CmdTimeout, pl)
		return
	}
	pl, _ := res.Payload()
	s.Send(CmdResult, pl)
}

// PressKey sends a KEY frame: a key pressed while no rating was started.
func (s *Sim) PressKey(stars byte) bool { return s.Send(CmdKey, []byte{stars}) }
