package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The frames as reader manuals print them: find card, and the answers for
// "no card" and "card found".
func TestFramesAsDocumented(t *testing.T) {
	if got := Command(CmdFind, nil); !bytes.Equal(got, unhex(t, "AAAAAA9669 0003 2001 22")) {
		t.Errorf("find card % X", got)
	}
	if got := Command(CmdRead, nil); !bytes.Equal(got, unhex(t, "AAAAAA9669 0003 3001 32")) {
		t.Errorf("read % X", got)
	}
	if got := Answer(SWNoCard, nil); !bytes.Equal(got, unhex(t, "AAAAAA9669 0004 000080 84")) {
		t.Errorf("no card % X", got)
	}
	if got := Answer(SWFound, []byte{0, 0, 0, 0}); !bytes.Equal(got, unhex(t, "AAAAAA9669 0008 00009F 00000000 97")) {
		t.Errorf("found % X", got)
	}
}

// Noise before a frame is skipped, a frame split across reads is joined, a
// bad checksum is reported and the next frame still found.
func TestParserResynchronises(t *testing.T) {
	var p Parser
	good := Answer(SWFound, []byte{0, 0, 0, 0})
	bad := Answer(SWOK, []byte{1, 2, 3})
	bad[len(bad)-1] ^= 1
	stream := append(append(append([]byte{0x00, 0xAA, 0x13}, bad...), 0xAA, 0xAA), good...)
	var frames []Frame
	var errs []error
	for i := 0; i < len(stream); i += 3 { // three bytes per read
		f, e := p.Feed(stream[i:min(i+3, len(stream))])
		frames, errs = append(frames, f...), append(errs, e...)
	}
	if len(frames) != 1 || frames[0].SW3() != SWFound || len(errs) != 1 || !errors.Is(errs[0], ErrChecksum) {
		t.Fatalf("frames %+v errs %v", frames, errs)
	}
	// An impossible length does not make the parser wait for 60 KiB.
	f, e := p.Feed(append(unhex(t, "AAAAAA9669 FFFF 00"), good...))
	if len(f) != 1 || len(e) != 1 {
		t.Errorf("after a bad length: frames %d errs %v", len(f), e)
	}
}

func TestTextRoundTrip(t *testing.T) {
	c := Card{Name: "欧阳娜娜", Sex: "女", Nation: "01", Birth: "19900101", Number: "11010519491231002X", Expiry: "长期"}
	text := EncodeText(c, "北京市朝阳区某街道某号", "北京市公安局朝阳分局", "20100101")
	if len(text) != TextSize {
		t.Fatalf("text block %d bytes", len(text))
	}
	got, err := ParseText(text)
	if err != nil || got != c {
		t.Fatalf("round trip %+v %v", got, err)
	}
	if _, err := ParseText(text[:200]); !errors.Is(err, ErrText) {
		t.Errorf("a short block: %v", err)
	}
	if _, err := ParseText(make([]byte, TextSize)); !errors.Is(err, ErrText) {
		t.Errorf("an empty block: %v", err)
	}
}

// Any byte stream: no panic, and every frame reported as good is in the input
// with a valid checksum.
func FuzzParser(f *testing.F) {
	f.Add(unhex(f, "AAAAAA9669 0004 000080 84"))
	f.Add(append(unhex(f, "AAAAAA9669 0508 000090 01000400"), make([]byte, 1281)...))
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Parser
		frames, _ := p.Feed(data)
		for _, fr := range frames {
			n := len(fr.Body) + 1
			enc := append(append(Preamble[:], byte(n>>8), byte(n)), fr.Body...)
			enc = append(enc, xor(enc[5:]))
			if !bytes.Contains(data, enc) {
				t.Fatalf("frame % X not in the input", enc)
			}
			if len(fr.Body) >= 7 && fr.SW3() == SWOK {
				_, _ = ParseRead(fr.Data()) // must not panic
			}
		}
	})
}
