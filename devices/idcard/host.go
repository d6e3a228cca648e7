package idcard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors of a command; the devices package turns them into Chinese.
var (
	// ErrNoAnswer: nothing (or only noise) came back in time.
	ErrNoAnswer = errors.New("idcard: the reader did not answer")
	// ErrGone: the port reads end at once, every time: the reader was unplugged.
	ErrGone = errors.New("idcard: the reader stopped answering (unplugged?)")
	// ErrPort: the port itself failed (a write or read error: a pulled cable).
	ErrPort = errors.New("idcard: port failed")
)

// StatusError is a reader's answer with a result code other than the one
// expected.
type StatusError struct {
	Cmd [2]byte
	SW3 byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: command %02X %02X answered %02X", e.Cmd[0], e.Cmd[1], e.SW3)
}

// Host drives one reader over an open serial port (115200 8N1) whose reads
// time out: commands one at a time, each waiting for its answer.
type Host struct {
	RW io.ReadWriter
	// NoData reports a read that timed out with no bytes (serialport.NoData).
	NoData func(int, error) bool
	// Wait bounds each answer (default 1 s; a read's 1,295 bytes take 0.11 s
	// at 115200 baud, the module itself up to half a second).
	Wait time.Duration

	p       Parser
	instant int // consecutive reads that ended at once with nothing
}

// Do sends a command and returns the reader's answer. A damaged answer is
// ErrChecksum; line noise before it is skipped.
func (h *Host) Do(ctx context.Context, cmd [2]byte, data []byte) (Frame, error) {
	wait := h.Wait
	if wait == 0 {
		wait = time.Second
	}
	h.p.Reset()
	if _, err := h.RW.Write(Command(cmd, data)); err != nil {
		return Frame{}, fmt.Errorf("%w: write: %w", ErrPort, err)
	}
	deadline := time.Now().Add(wait)
	buf := make([]byte, 2048)
	var damaged error
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		start := time.Now()
		n, err := h.RW.Read(buf)
		if n == 0 {
			if h.NoData != nil && h.NoData(n, err) {
				// A port whose reads end at once with nothing is gone; an idle
				// one waits its read timeout first.
				if time.Since(start) < 20*time.Millisecond {
					if h.instant++; h.instant > 50 {
						return Frame{}, ErrGone
					}
				} else {
					h.instant = 0
				}
				continue
			}
			if err != nil {
				return Frame{}, fmt.Errorf("%w: read: %w", ErrPort, err)
			}
			continue
		}
		h.instant = 0
		frames, errs := h.p.Feed(buf[:n])
		if len(errs) > 0 {
			damaged = errs[0]
		}
		if len(frames) > 0 {
			return frames[0], nil
		}
	}
	if damaged != nil {
		return Frame{}, damaged
	}
	return Frame{}, ErrNoAnswer
}

// expect runs a command and wants sw3 back.
func (h *Host) expect(ctx context.Context, cmd [2]byte, sw3 byte) (Frame, error) {
	f, err := h.Do(ctx, cmd, nil)
	if err != nil {
		return f, err
	}
	if f.SW3() != sw3 {
		return f, &StatusError{Cmd: cmd, SW3: f.SW3()}
	}
	return f, nil
}

// ReadCard looks for a card and reads it: present is false when no card lies
// on the reader (not an error).
func (h *Host) ReadCard(ctx context.Context) (c Card, present bool, err error) {
	f, err := h.Do(ctx, CmdFind, nil)
	if err != nil {
		return Card{}, false, err
	}
	switch f.SW3() {
	case SWNoCard:
		return Card{}, false, nil
	case SWFound:
	default:
		return Card{}, false, &StatusError{Cmd: CmdFind, SW3: f.SW3()}
	}
	if _, err := h.expect(ctx, CmdSelect, SWOK); err != nil {
		return Card{}, true, err
	}
	f, err = h.expect(ctx, CmdRead, SWOK)
	if err != nil {
		return Card{}, true, err
	}
	c, err = ParseRead(f.Data())
	return c, true, err
}

// SAMID asks the module's number, proving the reader answers.
func (h *Host) SAMID(ctx context.Context) (string, error) {
	f, err := h.expect(ctx, CmdSAMID, SWOK)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%X", f.Data()), nil
}
