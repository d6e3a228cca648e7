package voice

import (
	"bytes"
	"encoding/binary"
	"math"
)

// ChimeSampleRate is the sample rate of ChimeWAV (16-bit mono PCM).
const ChimeSampleRate = 22050

// ChimeWAV returns the fallback chime: a two-tone "ding-dong" (E5 then C5,
// a falling major third, each with a bell-like decay), about 0.8 s, as a
// complete 16-bit mono PCM WAV file.
func ChimeWAV() []byte {
	const (
		toneSec = 0.38
		tail    = ChimeSampleRate / 20 // 50 ms of silence at the end
		attack  = 0.005                // seconds: a soft start, so the speaker does not click
		level   = 0.45                 // of full scale
	)
	tones := []float64{659.25, 523.25}
	perTone := int(toneSec * ChimeSampleRate)
	n := perTone*len(tones) + tail
	samples := make([]int16, n)
	for ti, f := range tones {
		for i := range perTone {
			t := float64(i) / ChimeSampleRate
			env := math.Exp(-4.5 * t) // bell decay
			if t < attack {
				env *= t / attack
			}
			// Fade the last 10 ms to zero so the second tone starts cleanly.
			if rest := toneSec - t; rest < 0.01 {
				env *= rest / 0.01
			}
			v := level * env * math.Sin(2*math.Pi*f*t)
			samples[ti*perTone+i] = int16(v * math.MaxInt16)
		}
	}
	return encodeWAV(samples, ChimeSampleRate)
}

// encodeWAV writes 16-bit mono PCM samples as a RIFF/WAVE file.
func encodeWAV(samples []int16, rate int) []byte {
	const (
		channels = 1
		bits     = 16
	)
	dataLen := len(samples) * channels * bits / 8
	var buf bytes.Buffer
	buf.Grow(44 + dataLen)
	le := binary.LittleEndian
	buf.WriteString("RIFF")
	_ = binary.Write(&buf, le, uint32(36+dataLen))
	buf.WriteString("WAVE")
	buf.WriteString("fmt ")
	_ = binary.Write(&buf, le, uint32(16)) // PCM fmt chunk size
	_ = binary.Write(&buf, le, uint16(1))  // PCM
	_ = binary.Write(&buf, le, uint16(channels))
	_ = binary.Write(&buf, le, uint32(rate))
	_ = binary.Write(&buf, le, uint32(rate*channels*bits/8)) // byte rate
	_ = binary.Write(&buf, le, uint16(channels*bits/8))      // block align
	_ = binary.Write(&buf, le, uint16(bits))
	buf.WriteString("data")
	_ = binary.Write(&buf, le, uint32(dataLen))
	_ = binary.Write(&buf, le, samples)
	return buf.Bytes()
}
