// Package keypad speaks the rating keypad (评价器) protocols of
// shared/design/keypad-protocol.md: the one-byte `ascii` mode and the framed
// `frame` mode (BMK/1). This file is the BMK/1 codec: framing, CRC, payloads.
// It does no I/O, so it is tested byte for byte against the spec's vectors.
package keypad

import (
	"errors"
	"fmt"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Command codes of BMK/1.
const (
	CmdPing        byte = 0x01
	CmdStartRating byte = 0x10
	CmdCancel      byte = 0x11
	CmdShowIdle    byte = 0x12
	CmdAck         byte = 0x80
	CmdPong        byte = 0x81
	CmdResult      byte = 0x90
	CmdTimeout     byte = 0x91
	CmdKey         byte = 0x92
)

// ACK status codes.
const (
	AckOK         byte = 0
	AckBadCRC     byte = 1
	AckUnknownCmd byte = 2
	AckBusy       byte = 3
	AckBadPayload byte = 4
)

// MaxPayload is the largest LEN the protocol allows.
const MaxPayload = 240

var magic = [2]byte{0xA5, 0x5A}

// Frame is one BMK/1 frame.
type Frame struct {
	Addr    byte
	Seq     byte
	Cmd     byte
	Payload []byte
}

// CRC16 is CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF).
func CRC16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// ErrPayloadTooLong is returned when a payload exceeds MaxPayload.
var ErrPayloadTooLong = errors.New("keypad: payload longer than 240 bytes")

// Encode renders the frame: A5 5A ADDR SEQ CMD LEN PAYLOAD CRC_L CRC_H.
func (f Frame) Encode() ([]byte, error) {
	if len(f.Payload) > MaxPayload {
		return nil, ErrPayloadTooLong
	}
	out := make([]byte, 0, 8+len(f.Payload))
	out = append(out, magic[0], magic[1], f.Addr, f.Seq, f.Cmd, byte(len(f.Payload)))
	out = append(out, f.Payload...)
	crc := CRC16(out[2:])
	return append(out, byte(crc), byte(crc>>8)), nil
}

// gbk encodes display text; characters GBK lacks become '?', so a rare
// character in a name never blocks a rating.
func gbk(s string) []byte {
	enc := simplifiedchinese.GBK.NewEncoder()
	out := make([]byte, 0, len(s)*2)
	for _, r := range s {
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil {
			b = []byte{'?'}
		}
		out = append(out, b...)
	}
	return out
}

func ungbk(b []byte) string {
	s, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}

// payloadWriter builds payloads of u8 and length-prefixed strings.
type payloadWriter struct {
	b   []byte
	err error
}

func (w *payloadWriter) u8(v byte) { w.b = append(w.b, v) }

func (w *payloadWriter) str(s string) {
	b := gbk(s)
	if len(b) > 255 {
		w.err = fmt.Errorf("keypad: string of %d bytes does not fit a length byte", len(b))
		return
	}
	w.b = append(w.b, byte(len(b)))
	w.b = append(w.b, b...)
}

func (w *payloadWriter) done() ([]byte, error) {
	if w.err == nil && len(w.b) > MaxPayload {
		w.err = ErrPayloadTooLong
	}
	return w.b, w.err
}

// payloadReader reads u8 and strings, remembering the first error.
type payloadReader struct {
	b   []byte
	err error
}

var errShort = errors.New("keypad: payload too short")

func (r *payloadReader) u8() byte {
	if r.err != nil || len(r.b) < 1 {
		r.err = errShort
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *payloadReader) str() string {
	n := int(r.u8())
	if r.err != nil || len(r.b) < n {
		r.err = errShort
		return ""
	}
	s := ungbk(r.b[:n])
	r.b = r.b[n:]
	return s
}

// StartRating is the START_RATING payload.
type StartRating struct {
	TimeoutS   byte
	AskReasons bool
	Txn        string
	ClerkNo    string
	ClerkName  string
}

// Payload encodes it.
func (s StartRating) Payload() ([]byte, error) {
	w := &payloadWriter{}
	w.u8(s.TimeoutS)
	var flags byte
	if s.AskReasons {
		flags |= 1
	}
	w.u8(flags)
	w.str(s.Txn)
	w.str(s.ClerkNo)
	w.str(s.ClerkName)
	return w.done()
}

// ParseStartRating decodes a START_RATING payload (used by the simulator).
func ParseStartRating(p []byte) (StartRating, error) {
	r := &payloadReader{b: p}
	s := StartRating{TimeoutS: r.u8()}
	s.AskReasons = r.u8()&1 != 0
	s.Txn, s.ClerkNo, s.ClerkName = r.str(), r.str(), r.str()
	return s, r.err
}

// Result is the RESULT payload: a rating from the keypad.
type Result struct {
	Txn     string
	Stars   byte
	Reasons []byte // reason key codes 1–8
}

// Payload encodes it (used by the simulator).
func (res Result) Payload() ([]byte, error) {
	w := &payloadWriter{}
	w.str(res.Txn)
	w.u8(res.Stars)
	w.u8(byte(len(res.Reasons)))
	for _, c := range res.Reasons {
		w.u8(c)
	}
	return w.done()
}

// ParseResult decodes and validates a RESULT payload.
func ParseResult(p []byte) (Result, error) {
	r := &payloadReader{b: p}
	res := Result{Txn: r.str(), Stars: r.u8()}
	n := int(r.u8())
	for i := 0; i < n && r.err == nil; i++ {
		res.Reasons = append(res.Reasons, r.u8())
	}
	if r.err != nil {
		return res, r.err
	}
	if res.Stars < 1 || res.Stars > 5 {
		return res, fmt.Errorf("keypad: stars %d outside 1–5", res.Stars)
	}
	for _, c := range res.Reasons {
		if c < 1 || c > 8 {
			return res, fmt.Errorf("keypad: reason code %d outside 1–8", c)
		}
	}
	return res, nil
}

// StringPayload encodes a payload of strings (CANCEL, TIMEOUT, SHOW_IDLE, PONG).
func StringPayload(ss ...string) ([]byte, error) {
	w := &payloadWriter{}
	for _, s := range ss {
		w.str(s)
	}
	return w.done()
}

// ParseStrings decodes n strings from a payload.
func ParseStrings(p []byte, n int) ([]string, error) {
	r := &payloadReader{b: p}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out, r.err
}
