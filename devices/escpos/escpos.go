// Package escpos encodes receipts for Chinese-firmware ESC/POS printers (see
// shared/design/printer-notes.md): GBK text in Chinese mode, sizes, alignment,
// native QR with a raster fallback, cuts, and the DLE EOT status replies.
// No Go ESC/POS library handles GBK, native QR and status together, so this
// small encoder is ours, with byte-exact tests.
package escpos

import (
	"bytes"
	"fmt"

	"github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Align is a text alignment.
type Align byte

// Alignments (ESC a n).
const (
	Left   Align = 0
	Center Align = 1
	Right  Align = 2
)

// CutMode is how a job ends.
type CutMode string

// Cut modes.
const (
	CutFull    CutMode = "full"    // GS V 0
	CutPartial CutMode = "partial" // GS V 1
	CutFeed    CutMode = "feed"    // GS V 65 n: feed then cut
	CutNone    CutMode = "none"    // printers without a cutter
)

// Profile is what a printer model can do.
type Profile struct {
	Name        string
	Columns     int     // ASCII columns: 32 on 58 mm paper, 48 on 80 mm
	DotsWide    int     // printable dots: 384 (58 mm) or 576 (80 mm)
	ChineseMode bool    // send FS & so 2-byte GB codes print as Chinese
	NativeQR    bool    // GS ( k; false = raster image
	Cut         CutMode // how to cut
}

// Profile58 and Profile80 are the common hall printers.
var (
	Profile58 = Profile{Name: "58mm", Columns: 32, DotsWide: 384, ChineseMode: true, NativeQR: true, Cut: CutNone}
	Profile80 = Profile{Name: "80mm", Columns: 48, DotsWide: 576, ChineseMode: true, NativeQR: true, Cut: CutFeed}
)

// Doc builds one print job.
type Doc struct {
	p Profile
	b bytes.Buffer
	// Replaced counts characters GBK cannot encode, printed as '?'.
	Replaced int
}

// New starts a job: ESC @ (initialise), GS a 0 (no automatic status
// messages) and, for Chinese firmware, FS & (Chinese mode).
func New(p Profile) *Doc {
	d := &Doc{p: p}
	d.b.Write([]byte{0x1B, 0x40, 0x1D, 0x61, 0x00})
	if p.ChineseMode {
		d.b.Write([]byte{0x1C, 0x26})
	}
	return d
}

// Profile returns the printer profile of the job.
func (d *Doc) Profile() Profile { return d.p }

// Align sets alignment for the following lines (ESC a n).
func (d *Doc) Align(a Align) *Doc { d.b.Write([]byte{0x1B, 0x61, byte(a)}); return d }

// Size sets character magnification 1–8 in each direction (GS ! n).
func (d *Doc) Size(w, h int) *Doc {
	w, h = clamp(w, 1, 8), clamp(h, 1, 8)
	d.b.Write([]byte{0x1D, 0x21, byte((w-1)<<4 | (h - 1))})
	return d
}

// Bold turns emphasis on or off (ESC E n).
func (d *Doc) Bold(on bool) *Doc {
	var n byte
	if on {
		n = 1
	}
	d.b.Write([]byte{0x1B, 0x45, n})
	return d
}

// Text writes s in GBK. A character GBK lacks (¥, emoji, CJK Ext-B) becomes
// '?' and is counted in Replaced: x/text's own replacement byte 0x1A is a
// control code to a printer.
func (d *Doc) Text(s string) *Doc {
	enc := simplifiedchinese.GBK.NewEncoder()
	for _, r := range s {
		if r < 0x80 {
			d.b.WriteByte(byte(r))
			continue
		}
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil || len(b) == 0 || bytes.IndexByte(b, 0x1A) >= 0 {
			d.Replaced++
			d.b.WriteByte('?')
			continue
		}
		d.b.Write(b)
	}
	return d
}

// Line writes s and a line feed.
func (d *Doc) Line(s string) *Doc { return d.Text(s).Raw(0x0A) }

// Feed feeds n lines (ESC d n).
func (d *Doc) Feed(n int) *Doc { d.b.Write([]byte{0x1B, 0x64, byte(clamp(n, 0, 255))}); return d }

// Raw appends bytes as they are.
func (d *Doc) Raw(b ...byte) *Doc { d.b.Write(b); return d }

// Rule draws a full-width line of dashes at normal size.
func (d *Doc) Rule() *Doc { return d.Line(string(bytes.Repeat([]byte{'-'}, d.p.Columns))) }

// QR prints data as a QR code, natively (about 100 bytes on the wire) or as a
// raster image (several KB) for printers without GS ( k.
func (d *Doc) QR(data string, module int) error {
	if d.p.NativeQR {
		if len(data)+3 > 0xFFFF {
			return fmt.Errorf("escpos: QR data too long (%d bytes)", len(data))
		}
		d.b.Write([]byte{0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00})                 // model 2
		d.b.Write([]byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, byte(clamp(module, 1, 16))}) // module size
		d.b.Write([]byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31})                       // level M
		n := len(data) + 3
		d.b.Write([]byte{0x1D, 0x28, 0x6B, byte(n), byte(n >> 8), 0x31, 0x50, 0x30})
		d.b.WriteString(data)
		d.b.Write([]byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30}) // print
		return nil
	}
	q, err := qrcode.New(data, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("escpos: QR: %w", err)
	}
	bm := q.Bitmap() // includes the quiet zone
	d.Raster(bm, clamp(module, 1, 16))
	return nil
}

// Raster prints a bitmap (true = black) scaled by scale (GS v 0).
func (d *Doc) Raster(bm [][]bool, scale int) {
	if len(bm) == 0 {
		return
	}
	w := len(bm[0]) * scale
	if d.p.DotsWide > 0 && w > d.p.DotsWide {
		scale = max(1, d.p.DotsWide/len(bm[0]))
		w = len(bm[0]) * scale
	}
	h := len(bm) * scale
	xb := (w + 7) / 8
	d.b.Write([]byte{0x1D, 0x76, 0x30, 0x00, byte(xb), byte(xb >> 8), byte(h), byte(h >> 8)})
	row := make([]byte, xb)
	for y := 0; y < h; y++ {
		clear(row)
		src := bm[y/scale]
		for x := 0; x < w; x++ {
			if src[x/scale] {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		d.b.Write(row)
	}
}

// Cut ends the job with the profile's cut command.
func (d *Doc) Cut() *Doc {
	switch d.p.Cut {
	case CutFull:
		d.Feed(4).Raw(0x1D, 0x56, 0x00)
	case CutPartial:
		d.Feed(4).Raw(0x1D, 0x56, 0x01)
	case CutFeed:
		d.Raw(0x1D, 0x56, 0x41, 0x04)
	default:
		d.Feed(4)
	}
	return d
}

// Bytes returns the job. Chinese mode is switched off at the end (FS .) so the
// next job from another program starts from a known state.
func (d *Doc) Bytes() []byte {
	out := append([]byte(nil), d.b.Bytes()...)
	if d.p.ChineseMode {
		out = append(out, 0x1C, 0x2E)
	}
	return out
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
