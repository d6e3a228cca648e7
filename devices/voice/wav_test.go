package voice

import (
	"encoding/binary"
	"testing"
)

func TestChimeWAVHeader(t *testing.T) {
	w := ChimeWAV()
	if len(w) < 44 {
		t.Fatalf("%d bytes", len(w))
	}
	le := binary.LittleEndian
	str := func(off int) string { return string(w[off : off+4]) }
	if str(0) != "RIFF" || str(8) != "WAVE" || str(12) != "fmt " || str(36) != "data" {
		t.Fatalf("chunk ids %q %q %q %q", str(0), str(8), str(12), str(36))
	}
	if got := le.Uint32(w[4:]); int(got) != len(w)-8 {
		t.Errorf("RIFF size %d, want %d", got, len(w)-8)
	}
	if got := le.Uint32(w[16:]); got != 16 {
		t.Errorf("fmt size %d", got)
	}
	format, channels := le.Uint16(w[20:]), le.Uint16(w[22:])
	rate, byteRate := le.Uint32(w[24:]), le.Uint32(w[28:])
	align, bits := le.Uint16(w[32:]), le.Uint16(w[34:])
	if format != 1 || channels != 1 || rate != ChimeSampleRate || bits != 16 {
		t.Errorf("format %d, channels %d, rate %d, bits %d", format, channels, rate, bits)
	}
	if byteRate != ChimeSampleRate*2 || align != 2 {
		t.Errorf("byte rate %d, block align %d", byteRate, align)
	}
	dataLen := le.Uint32(w[40:])
	if int(dataLen) != len(w)-44 {
		t.Fatalf("data size %d, want %d", dataLen, len(w)-44)
	}
	secs := float64(dataLen) / float64(byteRate)
	if secs < 0.5 || secs > 1.5 {
		t.Errorf("chime lasts %.2f s, want a short one", secs)
	}

	// Audible, not clipped, starting and ending silent (no click).
	n := int(dataLen) / 2
	sample := func(i int) int16 { return int16(le.Uint16(w[44+2*i:])) }
	peak := 0
	for i := range n {
		v := int(sample(i))
		if v < 0 {
			v = -v
		}
		peak = max(peak, v)
	}
	if peak < 8000 || peak > 32000 {
		t.Errorf("peak %d", peak)
	}
	if s0, sn := sample(0), sample(n-1); s0 != 0 || sn != 0 {
		t.Errorf("first sample %d, last %d, want silence", s0, sn)
	}
	// Two tones: the second half crosses zero less often (C5 < E5).
	crossings := func(from, to int) int {
		c := 0
		for i := from + 1; i < to; i++ {
			if (sample(i-1) < 0) != (sample(i) < 0) {
				c++
			}
		}
		return c
	}
	tone := int(0.38 * ChimeSampleRate)
	hi, lo := crossings(0, tone), crossings(tone, 2*tone)
	if hi <= lo {
		t.Errorf("zero crossings %d then %d: want a falling ding-dong", hi, lo)
	}
}
