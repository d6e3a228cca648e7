//go:build ignore

// ttc2ttf copies one font out of a TrueType collection (.ttc) into a
// standalone .ttf, because Fyne's font loader (go-text ParseTTF) and fpdf
// refuse collections. It is how wqy-microhei.ttf was made:
//
//	go run assets/fonts/ttc2ttf.go /usr/share/fonts/truetype/wqy/wqy-microhei.ttc 0 assets/fonts/wqy-microhei.ttf
//
// (Debian package fonts-wqy-microhei). The glyph data is copied byte for byte;
// only the table directory is rewritten and head.checkSumAdjustment recomputed.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strconv"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go run ttc2ttf.go IN.ttc INDEX OUT.ttf")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	check(err)
	idx, err := strconv.Atoi(os.Args[2])
	check(err)
	out, err := extract(in, idx)
	check(err)
	check(os.WriteFile(os.Args[3], out, 0o644))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttc2ttf:", err)
		os.Exit(1)
	}
}

type table struct {
	tag              [4]byte
	sum, off, length uint32
}

func extract(in []byte, idx int) ([]byte, error) {
	be := binary.BigEndian
	if len(in) < 12 || string(in[:4]) != "ttcf" {
		return nil, fmt.Errorf("not a TrueType collection")
	}
	n := int(be.Uint32(in[8:]))
	if idx < 0 || idx >= n {
		return nil, fmt.Errorf("font index %d out of range (collection has %d)", idx, n)
	}
	base := int(be.Uint32(in[12+4*idx:]))
	numTables := int(be.Uint16(in[base+4:]))
	tables := make([]table, numTables)
	for i := range tables {
		r := in[base+12+16*i:]
		copy(tables[i].tag[:], r[:4])
		tables[i].sum, tables[i].off, tables[i].length = be.Uint32(r[4:]), be.Uint32(r[8:]), be.Uint32(r[12:])
		if int(tables[i].off)+int(tables[i].length) > len(in) {
			return nil, fmt.Errorf("table %s past the end of the file", tables[i].tag)
		}
	}
	sort.Slice(tables, func(a, b int) bool { return string(tables[a].tag[:]) < string(tables[b].tag[:]) })

	hdr := 12 + 16*numTables
	out := make([]byte, hdr)
	copy(out, in[base:base+12]) // sfnt version, numTables, searchRange, entrySelector, rangeShift
	headAt := -1
	for i, t := range tables {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		at := len(out)
		if string(t.tag[:]) == "head" {
			headAt = at
		}
		out = append(out, in[t.off:t.off+t.length]...)
		r := out[12+16*i:]
		copy(r[:4], t.tag[:])
		be.PutUint32(r[4:], t.sum)
		be.PutUint32(r[8:], uint32(at))
		be.PutUint32(r[12:], t.length)
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	if headAt >= 0 {
		be.PutUint32(out[headAt+8:], 0)
		var sum uint32
		for i := 0; i < len(out); i += 4 {
			sum += be.Uint32(out[i:])
		}
		be.PutUint32(out[headAt+8:], 0xB1B0AFBA-sum)
	}
	return out, nil
}
