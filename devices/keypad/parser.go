package keypad

import (
	"time"
)

// Event is what the stream parser found: a good frame, or a frame whose header
// was readable but whose CRC or length was bad (the receiver answers ACK 1).
type Event struct {
	Frame  Frame
	BadCRC bool // header readable, CRC wrong: answer ACK status 1
}

// Parser turns a byte stream into frames. It scans for A5 5A, rejects LEN >
// 240 and bad CRCs, and drops a partial frame after a gap of more than Gap
// between bytes (100 ms in the spec). Garbage never stops it: it resyncs on
// the next A5 5A.
type Parser struct {
	Gap  time.Duration
	buf  []byte
	last time.Time
}

// NewParser returns a parser with the spec's 100 ms inter-byte gap.
func NewParser() *Parser { return &Parser{Gap: 100 * time.Millisecond} }

// Feed adds bytes that arrived at time at and returns the complete frames.
func (p *Parser) Feed(data []byte, at time.Time) []Event {
	if len(p.buf) > 0 && !p.last.IsZero() && at.Sub(p.last) > p.Gap {
		p.buf = p.buf[:0] // a stalled partial frame is dropped
	}
	if len(data) > 0 {
		p.last = at
	}
	p.buf = append(p.buf, data...)
	var out []Event
	for {
		i := indexMagic(p.buf)
		if i < 0 {
			// Keep a trailing A5: it may be the start of the next magic.
			if n := len(p.buf); n > 0 && p.buf[n-1] == magic[0] {
				p.buf = append(p.buf[:0], magic[0])
			} else {
				p.buf = p.buf[:0]
			}
			return out
		}
		p.buf = p.buf[i:]
		if len(p.buf) < 6 {
			return out
		}
		n := int(p.buf[5])
		if n > MaxPayload {
			p.buf = p.buf[2:] // not a frame: resync after this magic
			continue
		}
		total := 6 + n + 2
		if len(p.buf) < total {
			return out
		}
		raw := p.buf[:total]
		crc := uint16(raw[total-2]) | uint16(raw[total-1])<<8
		f := Frame{Addr: raw[2], Seq: raw[3], Cmd: raw[4]}
		if CRC16(raw[2:total-2]) != crc {
			out = append(out, Event{Frame: f, BadCRC: true})
			p.buf = p.buf[2:]
			continue
		}
		f.Payload = append([]byte(nil), raw[6:total-2]...)
		out = append(out, Event{Frame: f})
		p.buf = p.buf[total:]
	}
}

func indexMagic(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == magic[0] && b[i+1] == magic[1] {
			return i
		}
	}
	return -1
}
