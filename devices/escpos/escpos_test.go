package escpos

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestKnownReceiptBytes(t *testing.T) {
	d := New(Profile58)
	d.Align(Center).Size(2, 2).Line("办件回执").Size(1, 1).Align(Left).Bold(true).Text("A012").Bold(false)
	if err := d.QR("BM1", 4); err != nil {
		t.Fatal(err)
	}
	d.Cut()
	want := hx("1B40 1D6100 1C26" + // init, no auto status, Chinese mode
		"1B6101 1D2111 B0ECBCFEBBD8D6B4 0A" + // centre, double, 办件回执 (printer-notes.md)
		"1D2100 1B6100 1B4501 41303132 1B4500" +
		"1D286B0400314132 00 1D286B0300314304 1D286B0300314531 1D286B0600315030 424D31 1D286B0300315130" +
		"1B6404" + // 58 mm profile has no cutter: feed
		"1C2E")
	if got := d.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("got  % X\nwant % X", got, want)
	}
}

func TestGBKReplacement(t *testing.T) {
	d := New(Profile{Columns: 32})
	d.Text("喆¥😀𠀀元")
	// 喆 is GBK (86 B4) though not GB2312; ¥, emoji and Ext-B are not GBK.
	want := hx("1B40 1D6100 86B4 3F 3F 3F D4AA")
	if got := d.Bytes(); !bytes.Equal(got, want) || d.Replaced != 3 {
		t.Fatalf("got % X (replaced %d)", got, d.Replaced)
	}
}

func TestRasterQRFallbackAndCuts(t *testing.T) {
	p := Profile80
	p.NativeQR = false
	d := New(p)
	if err := d.QR("https://example.gov.cn/pj?t=BM20261125000001&s=abcdef", 4); err != nil {
		t.Fatal(err)
	}
	b := d.Cut().Bytes()
	i := bytes.Index(b, []byte{0x1D, 0x76, 0x30, 0x00})
	if i < 0 || bytes.Contains(b, []byte{0x1D, 0x28, 0x6B}) {
		t.Fatal("no raster image, or a native QR command in a raster job")
	}
	xb := int(b[i+4]) | int(b[i+5])<<8
	h := int(b[i+6]) | int(b[i+7])<<8
	if xb*8 > 576 || h == 0 || len(b) < i+8+xb*h {
		t.Fatalf("raster %d bytes × %d rows does not fit 80 mm or is truncated", xb, h)
	}
	if !bytes.HasSuffix(b, hx("1D564104 1C2E")) {
		t.Errorf("80 mm profile should feed-and-cut: % X", b[len(b)-6:])
	}
	native := New(Profile80)
	_ = native.QR("https://example.gov.cn/pj?t=BM20261125000001&s=abcdef", 4)
	if len(native.Bytes())*10 > len(b) {
		t.Errorf("native QR %d bytes vs raster %d: raster should be far larger", len(native.Bytes()), len(b))
	}
}

func TestStatus(t *testing.T) {
	var s Status
	for _, r := range []struct{ n, b byte }{{1, 0x12}, {2, 0x12}, {4, 0x12}} {
		if err := s.ApplyReply(r.n, r.b); err != nil {
			t.Fatal(err)
		}
	}
	if !s.OK() || s.Message() != "" {
		t.Fatalf("idle printer: %+v", s)
	}
	s = Status{}
	_ = s.ApplyReply(2, 0x12|0x04) // cover open
	if s.OK() || !strings.Contains(s.Message(), "纸仓盖") {
		t.Errorf("cover: %+v %s", s, s.Message())
	}
	s = Status{}
	_ = s.ApplyReply(4, 0x12|0x60) // paper end
	if s.OK() || !strings.Contains(s.Message(), "缺纸") {
		t.Errorf("paper: %+v", s)
	}
	s = Status{}
	_ = s.ApplyReply(4, 0x12|0x0C)
	if !s.OK() || !strings.Contains(s.Message(), "即将用完") {
		t.Errorf("paper low: %+v", s)
	}
	if err := s.ApplyReply(1, 0xFF); err == nil {
		t.Error("0xFF accepted as a status reply")
	}
	if b, ok := StatusReply([]byte{0x11, 0x13, 0x00, 0xFF}); ok {
		t.Errorf("XON/XOFF taken as status %02X", b)
	}
	if b, ok := StatusReply([]byte{0x11, 0x16}); !ok || b != 0x16 {
		t.Errorf("StatusReply = %02X %v", b, ok)
	}
}

func FuzzStatusReply(f *testing.F) {
	f.Add([]byte{0x11, 0x12})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ok := StatusReply(data)
		if ok {
			var s Status
			for _, n := range []byte{1, 2, 4} {
				if err := s.ApplyReply(n, b); err != nil {
					t.Fatalf("StatusReply returned %02X that ApplyReply rejects", b)
				}
			}
		}
	})
}
