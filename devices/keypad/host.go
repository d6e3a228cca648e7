package keypad

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// ReadingKind tells what a keypad reported.
type ReadingKind string

// Kinds of readings.
const (
	ReadingResult  ReadingKind = "result"  // a rating: Stars and Reasons
	ReadingTimeout ReadingKind = "timeout" // the person walked away
	ReadingKey     ReadingKind = "key"     // a key with no rating started: log, never store
)

// Reading is what a keypad reported, after link-level de-duplication.
type Reading struct {
	Kind    ReadingKind
	Txn     string
	Stars   byte
	Reasons []byte
}

// ErrNoAck is returned when the keypad did not acknowledge after 3 tries.
var ErrNoAck = errors.New("keypad: no acknowledgement after 3 tries")

// FrameHost drives a BMK/1 keypad over a byte stream: it sends commands and
// waits for their ACK (200 ms, 3 tries, same SEQ), answers every frame the
// device sends with an ACK echoing its SEQ, and drops repeats of an (ADDR,
// SEQ, CMD) it has already handled, so a re-sent RESULT is delivered once.
type FrameHost struct {
	rw   io.ReadWriter
	addr byte
	log  *slog.Logger

	wmu  sync.Mutex // one command in flight
	seq  byte
	acks chan Frame

	mu   sync.Mutex
	seen map[[3]byte]time.Time // (addr, seq, cmd) → when handled
	pong chan Frame

	Readings chan Reading
	ackWait  time.Duration
}

// instantEOF: a read that ends with no data sooner than this did not wait
// for the port's read timeout (tens of milliseconds or more): the device is gone.
const instantEOF = 20 * time.Millisecond

// NewFrameHost wraps rw (an open serial port) for the keypad at addr.
func NewFrameHost(rw io.ReadWriter, addr byte, log *slog.Logger) *FrameHost {
	if log == nil {
		log = slog.Default()
	}
	return &FrameHost{rw: rw, addr: addr, log: log, acks: make(chan Frame, 8), pong: make(chan Frame, 1),
		seen: map[[3]byte]time.Time{}, Readings: make(chan Reading, 16), ackWait: 200 * time.Millisecond}
}

// Run reads and dispatches frames until ctx ends or the port fails (a pulled
// cable); the error says which. noData reports a read timeout with no bytes.
func (h *FrameHost) Run(ctx context.Context, noData func(int, error) bool) error {
	p := NewParser()
	buf := make([]byte, 256)
	eofs := 0
	for ctx.Err() == nil {
		start := time.Now()
		n, err := h.rw.Read(buf)
		if n == 0 && noData(n, err) {
			// tarm returns EOF on timeout; a vanished device returns EOF at once,
			// every time. Many instant EOFs in a row mean the device is gone;
			// an EOF after the read timeout is an idle keypad, not a lost one.
			if time.Since(start) >= instantEOF {
				eofs = 0
				continue
			}
			eofs++
			if err != nil && eofs > 50 {
				return fmt.Errorf("keypad: device stopped answering: %w", err)
			}
			continue
		}
		if err != nil && n == 0 {
			return fmt.Errorf("keypad: read: %w", err)
		}
		eofs = 0
		for _, ev := range p.Feed(buf[:n], time.Now()) {
			h.dispatch(ev)
		}
	}
	return ctx.Err()
}

func (h *FrameHost) dispatch(ev Event) {
	f := ev.Frame
	if ev.BadCRC {
		h.log.Warn("keypad frame with bad CRC", "addr", f.Addr, "seq", f.Seq, "cmd", f.Cmd)
		if f.Cmd != CmdAck {
			h.sendAck(f, AckBadCRC)
		}
		return
	}
	if f.Addr != h.addr {
		return // another device on the RS-485 bus
	}
	if f.Cmd == CmdAck {
		select {
		case h.acks <- f:
		default:
		}
		return
	}
	if h.repeat(f) {
		h.sendAck(f, AckOK) // our ACK was lost: acknowledge again, deliver nothing
		return
	}
	switch f.Cmd {
	case CmdResult:
		r, err := ParseResult(f.Payload)
		if err != nil {
			h.log.Warn("keypad RESULT with bad payload", "err", err)
			h.sendAck(f, AckBadPayload)
			return
		}
		h.sendAck(f, AckOK)
		h.Readings <- Reading{Kind: ReadingResult, Txn: r.Txn, Stars: r.Stars, Reasons: r.Reasons}
	case CmdTimeout:
		ss, err := ParseStrings(f.Payload, 1)
		if err != nil {
			h.sendAck(f, AckBadPayload)
			return
		}
		h.sendAck(f, AckOK)
		h.Readings <- Reading{Kind: ReadingTimeout, Txn: ss[0]}
	case CmdKey:
		if len(f.Payload) != 1 {
			h.sendAck(f, AckBadPayload)
			return
		}
		h.sendAck(f, AckOK)
		h.Readings <- Reading{Kind: ReadingKey, Stars: f.Payload[0]}
	case CmdPong:
		h.sendAck(f, AckOK)
		select {
		case h.pong <- f:
		default:
		}
	default:
		h.sendAck(f, AckUnknownCmd)
	}
}

// repeat records (addr, seq, cmd) and reports whether it was handled in the
// last minute (a device retries within a second; SEQ wraps after 256 frames).
func (h *FrameHost) repeat(f Frame) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	key := [3]byte{f.Addr, f.Seq, f.Cmd}
	if at, ok := h.seen[key]; ok && now.Sub(at) < time.Minute {
		return true
	}
	h.seen[key] = now
	for k, at := range h.seen {
		if now.Sub(at) > time.Minute {
			delete(h.seen, k)
		}
	}
	return false
}

func (h *FrameHost) sendAck(f Frame, status byte) {
	b, _ := Frame{Addr: f.Addr, Seq: f.Seq, Cmd: CmdAck, Payload: []byte{status}}.Encode()
	h.wmuWrite(b)
}

func (h *FrameHost) wmuWrite(b []byte) error {
	_, err := h.rw.Write(b)
	if err != nil {
		h.log.Warn("keypad write failed", "err", err)
	}
	return err
}

// send transmits a command and waits for its ACK, retrying with the same SEQ.
func (h *FrameHost) send(cmd byte, payload []byte) error {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	h.seq++
	b, err := Frame{Addr: h.addr, Seq: h.seq, Cmd: cmd, Payload: payload}.Encode()
	if err != nil {
		return err
	}
	for try := 0; try < 3; try++ {
		if err := h.wmuWrite(b); err != nil {
			return fmt.Errorf("keypad: write: %w", err)
		}
		timer := time.NewTimer(h.ackWait)
	wait:
		for {
			select {
			case a := <-h.acks:
				if a.Seq != h.seq {
					continue // a late ACK of an earlier command
				}
				timer.Stop()
				if len(a.Payload) == 1 && a.Payload[0] != AckOK {
					return fmt.Errorf("keypad: command %02X refused with status %d", cmd, a.Payload[0])
				}
				return nil
			case <-timer.C:
				break wait
			}
		}
	}
	return ErrNoAck
}

// StartRating asks the keypad to collect a rating for txn, showing the clerk.
func (h *FrameHost) StartRating(s StartRating) error {
	p, err := s.Payload()
	if err != nil {
		return err
	}
	return h.send(CmdStartRating, p)
}

// Cancel withdraws a rating request.
func (h *FrameHost) Cancel(txn string) error {
	p, err := StringPayload(txn)
	if err != nil {
		return err
	}
	return h.send(CmdCancel, p)
}

// ShowIdle sets the idle display text.
func (h *FrameHost) ShowIdle(line1, line2 string) error {
	p, err := StringPayload(line1, line2)
	if err != nil {
		return err
	}
	return h.send(CmdShowIdle, p)
}

// Ping proves the keypad answers (the settings screen's 测试 button) and
// returns its model and firmware.
func (h *FrameHost) Ping(timeout time.Duration) (model, firmware string, err error) {
	for len(h.pong) > 0 {
		<-h.pong
	}
	if err := h.send(CmdPing, nil); err != nil {
		return "", "", err
	}
	select {
	case f := <-h.pong:
		ss, err := ParseStrings(f.Payload, 2)
		if err != nil {
			return "", "", err
		}
		return ss[0], ss[1], nil
	case <-time.After(timeout):
		return "", "", errors.New("keypad: acknowledged PING but sent no PONG")
	}
}
