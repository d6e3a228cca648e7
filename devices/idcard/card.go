package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Card is what the counter takes from a card's text block. The address,
// issuing authority and photo are read by the module but not kept: the
// counter needs the name and the number only (data minimisation, PIPL art. 6).
type Card struct {
	Name   string
	Sex    string // 男 / 女
	Nation string // the GB 3304 code, e.g. "01" (汉)
	Birth  string // YYYYMMDD
	Number string // 18 characters
	Expiry string // YYYYMMDD or 长期
}

// TextSize is the text block's length; its fields, in UTF-16LE and padded
// with spaces, are (bytes): name 30, sex 2, nation 4, birth 16, address 70,
// number 36, authority 30, valid from 16, valid to 16, reserved 36.
const TextSize = 256

var fieldSizes = []int{30, 2, 4, 16, 70, 36, 30, 16, 16, 36}

// ErrText means the read answer's text block is missing or malformed.
var ErrText = errors.New("idcard: malformed text block")

// ParseRead decodes a 30 01 answer's data: text length and photo length
// (two bytes each, big-endian), then the text, then the photo.
func ParseRead(data []byte) (Card, error) {
	if len(data) < 4 {
		return Card{}, fmt.Errorf("%w: %d bytes", ErrText, len(data))
	}
	tl := int(binary.BigEndian.Uint16(data[0:2]))
	pl := int(binary.BigEndian.Uint16(data[2:4]))
	if tl != TextSize || len(data) < 4+tl+pl {
		return Card{}, fmt.Errorf("%w: text %d photo %d in %d bytes", ErrText, tl, pl, len(data))
	}
	return ParseText(data[4 : 4+tl])
}

// ParseText decodes the 256-byte text block.
func ParseText(b []byte) (Card, error) {
	if len(b) != TextSize {
		return Card{}, fmt.Errorf("%w: %d bytes", ErrText, len(b))
	}
	var f []string
	off := 0
	for _, n := range fieldSizes {
		f = append(f, decodeUTF16(b[off:off+n]))
		off += n
	}
	c := Card{Name: f[0], Nation: f[2], Birth: f[3], Number: strings.ToUpper(f[5]), Expiry: f[8]}
	switch f[1] {
	case "1":
		c.Sex = "男"
	case "2":
		c.Sex = "女"
	}
	if c.Name == "" || len(c.Number) != 18 {
		return Card{}, fmt.Errorf("%w: name %q, number of %d characters", ErrText, c.Name, len(c.Number))
	}
	return c, nil
}

// EncodeText makes a text block (the simulator's cards). address and
// authority are filled with placeholders: nothing reads them back.
func EncodeText(c Card, address, authority, validFrom string) []byte {
	sex := map[string]string{"男": "1", "女": "2"}[c.Sex]
	fields := []string{c.Name, sex, c.Nation, c.Birth, address, c.Number, authority, validFrom, c.Expiry, ""}
	b := make([]byte, 0, TextSize)
	for i, s := range fields {
		u := utf16.Encode([]rune(s))
		n := fieldSizes[i] / 2
		for len(u) < n {
			u = append(u, ' ')
		}
		for _, r := range u[:n] {
			b = binary.LittleEndian.AppendUint16(b, r)
		}
	}
	return b
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return strings.TrimRight(string(utf16.Decode(u)), " \x00")
}
