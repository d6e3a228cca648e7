package idcard

import (
	"context"
	"io"
	"sync"
)

// Sim plays a reader on the device side of a serial line (a pseudo-terminal's
// master): it answers find, select, read and the module number, with a card
// placed or not, and faults on request.
type Sim struct {
	RW io.ReadWriter

	mu   sync.Mutex
	card []byte // the placed card's text block; nil = none
	// faults for the next answers
	garbage  bool // noise before every answer
	corrupt  int  // answers to send with a wrong checksum
	pullRead bool // the card is lifted during the next read
	mute     bool // answer nothing
	reads    int
}

// Place puts a card on the reader.
func (s *Sim) Place(c Card) {
	s.mu.Lock()
	s.card = EncodeText(c, "山东省泰安市泰山区省庄镇某村", "泰安市公安局泰山分局", "20200101")
	s.mu.Unlock()
}

// PlaceText puts a card with the given raw text block (a damaged card).
func (s *Sim) PlaceText(text []byte) {
	s.mu.Lock()
	s.card = append([]byte(nil), text...)
	s.mu.Unlock()
}

// Remove lifts the card.
func (s *Sim) Remove() { s.mu.Lock(); s.card = nil; s.mu.Unlock() }

// Garbage makes every answer follow line noise (on) or not.
func (s *Sim) Garbage(on bool) { s.mu.Lock(); s.garbage = on; s.mu.Unlock() }

// Corrupt sends the next n answers with a wrong checksum.
func (s *Sim) Corrupt(n int) { s.mu.Lock(); s.corrupt = n; s.mu.Unlock() }

// PullDuringRead lifts the card while the next read is under way: the read
// fails (41) and the card is gone.
func (s *Sim) PullDuringRead() { s.mu.Lock(); s.pullRead = true; s.mu.Unlock() }

// Mute stops (or resumes) answering, as a reader without power.
func (s *Sim) Mute(on bool) { s.mu.Lock(); s.mute = on; s.mu.Unlock() }

// Reads counts the successful reads answered.
func (s *Sim) Reads() int { s.mu.Lock(); defer s.mu.Unlock(); return s.reads }

// Run answers commands until ctx ends or the line fails.
func (s *Sim) Run(ctx context.Context) error {
	var p Parser
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		n, err := s.RW.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		frames, errs := p.Feed(buf[:n])
		for range errs {
			s.send(Answer(SWChecksum, nil))
		}
		for _, f := range frames {
			s.send(s.answer(f.Cmd()))
		}
	}
	return ctx.Err()
}

func (s *Sim) answer(cmd [2]byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch cmd {
	case CmdFind:
		if s.card == nil {
			return Answer(SWNoCard, nil)
		}
		return Answer(SWFound, []byte{0, 0, 0, 0})
	case CmdSelect:
		if s.card == nil {
			return Answer(SWSelectFail, nil)
		}
		return Answer(SWOK, make([]byte, 8))
	case CmdRead:
		if s.card == nil || s.pullRead {
			s.pullRead, s.card = false, nil
			return Answer(SWReadFail, nil)
		}
		data := []byte{0x01, 0x00, 0x04, 0x00} // text 256, photo 1024
		data = append(data, s.card...)
		data = append(data, make([]byte, 1024)...) // the photo (WLT), not decoded
		s.reads++
		return Answer(SWOK, data)
	case CmdSAMID:
		return Answer(SWOK, []byte{0x05, 0x01, 0x20, 0x26, 0x12, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x01})
	}
	return Answer(SWCommand, nil)
}

func (s *Sim) send(b []byte) {
	s.mu.Lock()
	if s.mute {
		s.mu.Unlock()
		return
	}
	if s.corrupt > 0 {
		s.corrupt--
		b = append([]byte(nil), b...)
		b[len(b)-1] ^= 0x5A
	}
	if s.garbage {
		b = append([]byte{0x13, 0xAA, 0x96, 0x00, 0xFF, 0xAA, 0xAA}, b...)
	}
	s.mu.Unlock()
	_, _ = s.RW.Write(b)
}
