package printing

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"sync"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/simplifiedchinese"

	"bianmin/assets"
	"bianmin/devices/escpos"
)

// Preview renders the exact ESC/POS bytes we send to a printer as the paper
// would look: it interprets the commands the encoder emits (text in GBK, sizes,
// bold, alignment, feeds, native QR, raster images, cuts) and draws them with
// the embedded CJK font. Tests, the settings screen's 预览 and the demo without
// a printer all use it, so what is previewed is what is printed.
func Preview(job []byte, p escpos.Profile) (*image.Gray, error) {
	r := &renderer{p: p, width: p.DotsWide}
	if r.width == 0 {
		r.width = 384
	}
	r.cell = r.width / max(p.Columns, 1) // dots per ASCII column: 12
	r.img = image.NewGray(image.Rect(0, 0, r.width, 8000))
	draw.Draw(r.img, r.img.Bounds(), image.White, image.Point{}, draw.Src)
	r.y = 8
	if err := r.run(job); err != nil {
		return nil, err
	}
	r.flush()
	h := min(r.y+16, r.img.Bounds().Dy())
	out := image.NewGray(image.Rect(0, 0, r.width, h))
	draw.Draw(out, out.Bounds(), r.img, image.Point{}, draw.Src)
	return out, nil
}

type run struct {
	text string
	w, h int
	bold bool
	cols int
}

type renderer struct {
	p           escpos.Profile
	img         *image.Gray
	width, cell int
	y           int
	align       byte
	w, h        int
	bold        bool
	chinese     bool
	line        []run
	pending     []byte // text bytes not yet decoded
	qrData      []byte
	qrModule    int
}

var (
	faceOnce sync.Once
	fontErr  error
	ttf      *opentype.Font
	faces    = map[int]font.Face{}
	facesMu  sync.Mutex
)

func face(px int) (font.Face, error) {
	faceOnce.Do(func() { ttf, fontErr = opentype.Parse(assets.UIFont) })
	if fontErr != nil {
		return nil, fmt.Errorf("printing: font: %w", fontErr)
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	if f, ok := faces[px]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(ttf, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	faces[px] = f
	return f, nil
}

func (r *renderer) run(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		n, err := 1, error(nil)
		switch {
		case c == 0x1B && i+1 < len(b): // ESC
			n, err = r.esc(b[i:])
		case c == 0x1C && i+1 < len(b): // FS & / FS .
			r.takeText()
			r.chinese = b[i+1] == 0x26
			n = 2
		case c == 0x1D && i+1 < len(b): // GS
			n, err = r.gs(b[i:])
		case c == 0x0A:
			r.takeText()
			r.flush()
		case c == 0x10 && i+2 < len(b) && b[i+1] == 0x04: // DLE EOT: status query, prints nothing
			n = 3
		default:
			r.pending = append(r.pending, c)
		}
		if err != nil {
			return fmt.Errorf("printing: truncated command %02X at byte %d", c, i)
		}
		i += n
	}
	return nil
}

// errTruncated is a command cut short by the end of the job.
var errTruncated = errors.New("truncated")

// esc applies the ESC command at the start of b and returns its length.
func (r *renderer) esc(b []byte) (int, error) {
	switch b[1] {
	case 0x40:
		r.takeText()
		r.w, r.h, r.bold, r.align, r.chinese = 1, 1, false, 0, false
		return 2, nil
	case 0x61, 0x45, 0x64:
		if len(b) < 3 {
			return 0, errTruncated
		}
		r.takeText()
		switch b[1] {
		case 0x61:
			r.align = b[2]
		case 0x45:
			r.bold = b[2] != 0
		case 0x64:
			r.flush()
			r.y += int(b[2]) * r.lineHeight(1)
		}
		return 3, nil
	}
	return 2, nil
}

// gs applies the GS command at the start of b and returns its length.
func (r *renderer) gs(b []byte) (int, error) {
	switch b[1] {
	case 0x21:
		if len(b) < 3 {
			return 0, errTruncated
		}
		r.takeText()
		r.w, r.h = int(b[2]>>4)+1, int(b[2]&0x0F)+1
		return 3, nil
	case 0x61, 0x72:
		return 3, nil
	case 0x56: // cut
		r.flush()
		n := 3
		if len(b) > 2 && b[2] == 0x41 {
			r.y += 4 * r.lineHeight(1)
			n = 4
		}
		r.cutLine()
		return n, nil
	case 0x28: // GS ( k
		if len(b) < 5 {
			return 0, errTruncated
		}
		n := int(b[3]) | int(b[4])<<8
		if len(b) < 5+n {
			return 0, errTruncated
		}
		r.takeText()
		r.qr(b[5 : 5+n])
		return 5 + n, nil
	case 0x76: // GS v 0 raster
		if len(b) < 8 {
			return 0, errTruncated
		}
		xb := int(b[4]) | int(b[5])<<8
		h := int(b[6]) | int(b[7])<<8
		if len(b) < 8+xb*h {
			return 0, errTruncated
		}
		r.flush()
		r.raster(b[8:8+xb*h], xb, h)
		return 8 + xb*h, nil
	}
	return 2, nil
}

// takeText turns pending bytes into a run with the current style.
func (r *renderer) takeText() {
	if len(r.pending) == 0 {
		return
	}
	var s string
	if r.chinese {
		dec, err := simplifiedchinese.GBK.NewDecoder().Bytes(r.pending)
		if err != nil {
			dec = bytes.ToValidUTF8(r.pending, []byte("?"))
		}
		s = string(dec)
	} else {
		s = string(bytes.ToValidUTF8(r.pending, []byte("?")))
	}
	r.pending = r.pending[:0]
	w, h := max(r.w, 1), max(r.h, 1)
	r.line = append(r.line, run{text: s, w: w, h: h, bold: r.bold, cols: Width(s) * w})
}

func (r *renderer) lineHeight(h int) int { return 2*r.cell*h + 6 }

// flush draws the current line.
func (r *renderer) flush() {
	r.takeText()
	if len(r.line) == 0 {
		r.y += r.lineHeight(1)
		return
	}
	cols, h := 0, 1
	for _, ru := range r.line {
		cols += ru.cols
		h = max(h, ru.h)
	}
	x := 0
	switch r.align {
	case 1:
		x = (r.width - cols*r.cell) / 2
	case 2:
		x = r.width - cols*r.cell
	}
	base := r.y + 2*r.cell*h - r.cell*h/3
	for _, ru := range r.line {
		f, err := face(2 * r.cell * ru.h)
		if err != nil {
			continue
		}
		for _, ch := range ru.text {
			cw := r.cell * ru.w
			if ch >= 0x80 {
				cw *= 2
			}
			r.glyph(f, ch, x, base, ru.bold, ru.w, ru.h)
			x += cw
		}
	}
	r.y += r.lineHeight(h)
	r.line = r.line[:0]
}

// glyph draws one character, stretched horizontally for double-width text.
func (r *renderer) glyph(f font.Face, ch rune, x, base int, bold bool, w, h int) {
	if ch == ' ' {
		return
	}
	dr, mask, mp, adv, ok := f.Glyph(fixed.P(0, 0), ch)
	if !ok {
		return
	}
	// The face is sized for the height; squeeze glyphs wider than their
	// fixed-pitch cell (a printer's font is monospaced: 12×24 dots per ASCII column).
	cell := r.cell * w
	if ch >= 0x80 {
		cell *= 2
	}
	sx := float64(w) / float64(h)
	if a := float64(adv.Round()) * sx; a > float64(cell) && a > 0 {
		sx *= float64(cell) / a
	}
	// A narrow glyph sits in the middle of its cell, as in the printer's
	// monospaced font: left-aligned, "21:35:31" read "21: 35: 31".
	if a := int(float64(adv.Round()) * sx); a < cell {
		x += (cell - a) / 2
	}
	for yy := dr.Min.Y; yy < dr.Max.Y; yy++ {
		for xx := dr.Min.X; xx < dr.Max.X; xx++ {
			_, _, _, a := mask.At(mp.X+xx-dr.Min.X, mp.Y+yy-dr.Min.Y).RGBA()
			if a < 0x8000 {
				continue
			}
			px0 := x + int(float64(xx)*sx)
			px1 := x + int(float64(xx+1)*sx)
			for px := px0; px < max(px1, px0+1); px++ {
				r.img.SetGray(px, base+yy, color.Gray{})
				if bold {
					r.img.SetGray(px+1, base+yy, color.Gray{})
				}
			}
		}
	}
}

// qr handles GS ( k functions: 43 module size, 50 store, 51 print.
func (r *renderer) qr(p []byte) {
	if len(p) < 2 || p[0] != 0x31 {
		return
	}
	switch p[1] {
	case 0x43:
		if len(p) > 2 {
			r.qrModule = int(p[2])
		}
	case 0x50:
		if len(p) > 3 {
			r.qrData = append([]byte(nil), p[3:]...)
		}
	case 0x51:
		r.flush()
		q, err := qrcode.New(string(r.qrData), qrcode.Medium)
		if err != nil {
			return
		}
		q.DisableBorder = true
		bm := q.Bitmap()
		m := max(r.qrModule, 1)
		size := len(bm) * m
		x := 0
		switch r.align {
		case 1:
			x = (r.width - size) / 2
		case 2:
			x = r.width - size
		}
		for yy, row := range bm {
			for xx, on := range row {
				if on {
					draw.Draw(r.img, image.Rect(x+xx*m, r.y+yy*m, x+(xx+1)*m, r.y+(yy+1)*m), image.Black, image.Point{}, draw.Src)
				}
			}
		}
		r.y += size + 8
	}
}

func (r *renderer) raster(data []byte, xb, h int) {
	x0 := 0
	switch r.align {
	case 1:
		x0 = (r.width - xb*8) / 2
	case 2:
		x0 = r.width - xb*8
	}
	for yy := 0; yy < h; yy++ {
		for xx := 0; xx < xb*8; xx++ {
			if data[yy*xb+xx/8]&(0x80>>(xx%8)) != 0 {
				r.img.SetGray(x0+xx, r.y+yy, color.Gray{})
			}
		}
	}
	r.y += h
}

// cutLine marks the cut with a dashed line, as the paper would tear.
func (r *renderer) cutLine() {
	for x := 0; x < r.width; x += 8 {
		for k := 0; k < 4; k++ {
			r.img.SetGray(x+k, r.y, color.Gray{Y: 0x80})
		}
	}
	r.y += 4
}
