// Package idcard speaks the SAM serial protocol of 二代身份证 (second
// generation resident identity card) readers, which most desktop readers
// offer over RS-232 or a USB-serial bridge (GA 467 security module; JZ
// 4.3.1.1 puts a reader at every window), and decodes the card's text block.
//
// A frame is AA AA AA 96 69, a two-byte big-endian LEN counting what
// follows it (including the checksum), then from the host CMD PARA [data]
// and from the reader SW1 SW2 SW3 [data], and last a checksum: the XOR of
// every byte from LEN to the end of the data. SW3 is the result (90 done,
// 9F card found, 80 no card, …). The commands used: 20 01 find card, 20 02
// select it, 30 01 read its text (256 bytes, UTF-16LE) and photo (1024
// bytes, ignored here).
package idcard

import (
	"errors"
	"fmt"
)

// Preamble starts every frame.
var Preamble = [5]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// Commands (CMD, PARA).
var (
	CmdFind   = [2]byte{0x20, 0x01}
	CmdSelect = [2]byte{0x20, 0x02}
	CmdRead   = [2]byte{0x30, 0x01}
	// CmdSAMID asks the module's own number: the settings screen's test.
	CmdSAMID = [2]byte{0x12, 0xFF}
)

// Result codes (SW3).
const (
	SWOK         = 0x90 // 操作成功
	SWFound      = 0x9F // 寻找证/卡成功
	SWNoCard     = 0x80 // 寻找证/卡失败
	SWSelectFail = 0x81 // 选取证/卡失败
	SWReadFail   = 0x41 // 读证/卡操作失败
	SWChecksum   = 0x10 // the reader got a bad checksum from us
	SWLength     = 0x11
	SWCommand    = 0x21
)

// MaxLen bounds LEN: the longest answer (text, photo and fingerprints) is
// under 4 KiB; a larger LEN is line noise, not a frame to wait for.
const MaxLen = 4096

// Command encodes a host command.
func Command(cmd [2]byte, data []byte) []byte {
	n := 2 + len(data) + 1
	b := make([]byte, 0, 7+n)
	b = append(b, Preamble[:]...)
	b = append(b, byte(n>>8), byte(n))
	b = append(b, cmd[:]...)
	b = append(b, data...)
	return append(b, xor(b[5:]))
}

// Answer encodes a reader's answer (the simulator's side).
func Answer(sw3 byte, data []byte) []byte {
	n := 3 + len(data) + 1
	b := make([]byte, 0, 7+n)
	b = append(b, Preamble[:]...)
	b = append(b, byte(n>>8), byte(n))
	b = append(b, 0, 0, sw3)
	b = append(b, data...)
	return append(b, xor(b[5:]))
}

func xor(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// Frame is one decoded frame. Its body starts with CMD PARA from a host,
// SW1 SW2 SW3 from a reader (the parser does not know which side it is on).
type Frame struct {
	Body []byte // everything between LEN and the checksum
}

// SW3 is a reader answer's result code.
func (f Frame) SW3() byte {
	if len(f.Body) < 3 {
		return 0
	}
	return f.Body[2]
}

// Data is a reader answer's data after SW1 SW2 SW3.
func (f Frame) Data() []byte {
	if len(f.Body) < 3 {
		return nil
	}
	return f.Body[3:]
}

// Cmd is a host command's CMD PARA.
func (f Frame) Cmd() [2]byte {
	if len(f.Body) < 2 {
		return [2]byte{}
	}
	return [2]byte{f.Body[0], f.Body[1]}
}

// ErrChecksum means a whole frame arrived whose checksum does not match.
var ErrChecksum = errors.New("idcard: frame checksum mismatch")

// Parser finds frames in a byte stream, skipping noise before a preamble
// and resynchronising after a bad length or checksum.
type Parser struct {
	buf []byte
}

// Feed adds bytes and returns the frames completed by them, with an error
// for each frame that arrived damaged (bad checksum or impossible length).
func (p *Parser) Feed(b []byte) (frames []Frame, errs []error) {
	p.buf = append(p.buf, b...)
	for {
		i := indexPreamble(p.buf)
		if i < 0 {
			// Keep a tail that may be the start of a preamble.
			if k := len(p.buf) - (len(Preamble) - 1); k > 0 {
				p.buf = p.buf[k:]
			}
			return
		}
		p.buf = p.buf[i:]
		if len(p.buf) < 7 {
			return
		}
		n := int(p.buf[5])<<8 | int(p.buf[6])
		if n < 3 || n > MaxLen {
			errs = append(errs, fmt.Errorf("idcard: impossible frame length %d", n))
			p.buf = p.buf[1:] // look for the next preamble
			continue
		}
		if len(p.buf) < 7+n {
			return
		}
		frame := p.buf[:7+n]
		if xor(frame[5:7+n-1]) != frame[7+n-1] {
			errs = append(errs, ErrChecksum)
			p.buf = p.buf[1:]
			continue
		}
		frames = append(frames, Frame{Body: append([]byte(nil), frame[7:7+n-1]...)})
		p.buf = p.buf[7+n:]
	}
}

// Reset drops what is buffered (after a timeout: a half frame is stale).
func (p *Parser) Reset() { p.buf = p.buf[:0] }

func indexPreamble(b []byte) int {
	for i := 0; i+len(Preamble) <= len(b); i++ {
		if [5]byte(b[i:i+5]) == Preamble {
			return i
		}
	}
	return -1
}
