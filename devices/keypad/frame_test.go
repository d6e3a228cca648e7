package keypad

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCRC16CheckValue(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x4B37 {
		t.Fatalf("CRC-16/MODBUS check value = %04X, want 4B37", got)
	}
}

// The test vectors of keypad-protocol.md, byte for byte.
func TestSpecVectors(t *testing.T) {
	p, err := StartRating{TimeoutS: 30, AskReasons: true, Txn: "A012", ClerkNo: "0123", ClerkName: "张三"}.Payload()
	if err != nil {
		t.Fatal(err)
	}
	start, _ := Frame{Addr: 1, Seq: 7, Cmd: CmdStartRating, Payload: p}.Encode()
	if want := unhex(t, "A5 5A 01 07 10 11 1E 01 04 41 30 31 32 04 30 31 32 33 04 D5 C5 C8 FD 44 84"); !bytes.Equal(start, want) {
		t.Errorf("START_RATING\n got % X\nwant % X", start, want)
	}
	ack, _ := Frame{Addr: 1, Seq: 7, Cmd: CmdAck, Payload: []byte{AckOK}}.Encode()
	if want := unhex(t, "A5 5A 01 07 80 01 00 18 CC"); !bytes.Equal(ack, want) {
		t.Errorf("ACK\n got % X\nwant % X", ack, want)
	}
	rp, _ := Result{Txn: "A012", Stars: 2, Reasons: []byte{3}}.Payload()
	res, _ := Frame{Addr: 1, Seq: 0x21, Cmd: CmdResult, Payload: rp}.Encode()
	if want := unhex(t, "A5 5A 01 21 90 08 04 41 30 31 32 02 01 03 91 6A"); !bytes.Equal(res, want) {
		t.Errorf("RESULT\n got % X\nwant % X", res, want)
	}

	evs := NewParser().Feed(res, time.Now())
	if len(evs) != 1 || evs[0].BadCRC || evs[0].Frame.Cmd != CmdResult || evs[0].Frame.Seq != 0x21 {
		t.Fatalf("parse RESULT: %+v", evs)
	}
	r, err := ParseResult(evs[0].Frame.Payload)
	if err != nil || r.Txn != "A012" || r.Stars != 2 || len(r.Reasons) != 1 || r.Reasons[0] != 3 {
		t.Fatalf("ParseResult = %+v, %v", r, err)
	}
	s, err := ParseStartRating(p)
	if err != nil || s.ClerkName != "张三" || !s.AskReasons || s.TimeoutS != 30 {
		t.Fatalf("ParseStartRating = %+v, %v", s, err)
	}
}

func TestParserResyncsThroughGarbage(t *testing.T) {
	ack := unhex(t, "A5 5A 01 07 80 01 00 18 CC")
	bad := append([]byte(nil), ack...)
	bad[6] = 0x01                         // payload changed, CRC now wrong
	long := unhex(t, "A5 5A 01 02 90 F5") // LEN 245 > 240: not a frame
	stream := bytes.Join([][]byte{{0x00, 0xA5, 0xFF, 0x5A}, bad, long, {'\r', '\n', 0xA5}, ack, ack[:4]}, nil)
	p := NewParser()
	now := time.Now()
	var evs []Event
	// Byte by byte, as a slow serial line delivers it.
	for i := range stream {
		evs = append(evs, p.Feed(stream[i:i+1], now)...)
	}
	if len(evs) != 2 || !evs[0].BadCRC || evs[1].BadCRC || evs[1].Frame.Cmd != CmdAck {
		t.Fatalf("events %+v", evs)
	}
	// The dangling partial frame is dropped after the gap, and the next frame parses.
	evs = p.Feed(ack, now.Add(150*time.Millisecond))
	if len(evs) != 1 || evs[0].BadCRC {
		t.Fatalf("after gap: %+v", evs)
	}
}

func TestPayloadValidation(t *testing.T) {
	if _, err := ParseResult([]byte{4, 'A', '0'}); err == nil {
		t.Error("short payload accepted")
	}
	if _, err := ParseResult(mustPayload(t, Result{Txn: "A1", Stars: 6})); err == nil {
		t.Error("6 stars accepted")
	}
	if _, err := ParseResult(mustPayload(t, Result{Txn: "A1", Stars: 1, Reasons: []byte{9}})); err == nil {
		t.Error("reason 9 accepted")
	}
	if _, err := (Frame{Payload: make([]byte, 241)}).Encode(); err != ErrPayloadTooLong {
		t.Error("241-byte payload encoded")
	}
	// A character GBK lacks becomes '?', not an error.
	p, err := StringPayload("王𠀀")
	if err != nil || !bytes.Equal(p, []byte{3, 0xCD, 0xF5, '?'}) {
		t.Errorf("GBK fallback: % X %v", p, err)
	}
}

func mustPayload(t *testing.T, r Result) []byte {
	t.Helper()
	b, err := r.Payload()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Any byte stream: no panic, and every frame reported as good has a valid CRC
// and round-trips through Encode.
func FuzzParser(f *testing.F) {
	f.Add(unhex(f, "A5 5A 01 21 90 08 04 41 30 31 32 02 01 03 91 6A"))
	f.Add([]byte{0xA5, 0x5A, 0xA5, 0x5A, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewParser()
		for _, ev := range p.Feed(data, time.Unix(0, 0)) {
			if ev.BadCRC {
				continue
			}
			b, err := ev.Frame.Encode()
			if err != nil || !bytes.Contains(data, b) {
				t.Fatalf("frame %+v not in input", ev.Frame)
			}
		}
	})
}
