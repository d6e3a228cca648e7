package printing

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/simplifiedchinese"

	"bianmin/devices/escpos"
)

var at = time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func gbk(s string) []byte {
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	return b
}

func sampleReceipt() Receipt {
	return Receipt{Centre: "岱岳区满庄镇便民服务中心", Serial: "BM20261125000012",
		Items: []string{"城乡居民基本养老保险参保登记"}, WindowNo: 3, ClerkNo: "0107",
		Accepted: at, Completed: at.Add(12 * time.Minute), Applicant: "张*",
		RateURL: RateURL("https://hcp.example.gov.cn/m/pj?bh={serial}&qm={sig}", []byte("centre-secret"), "BM20261125000012")}
}

func TestReceiptContent(t *testing.T) {
	b, err := ReceiptDoc(escpos.Profile58, sampleReceipt())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"办件回执", "流水号：BM20261125000012", "工号：0107", "申请人：张*", "3号窗口", "请扫码对本次服务进行评价"} {
		if !bytes.Contains(b, gbk(want)) {
			t.Errorf("receipt lacks %q", want)
		}
	}
	if !bytes.Contains(b, []byte("bh=BM20261125000012&qm=")) || !bytes.Contains(b, []byte{0x1D, 0x28, 0x6B}) {
		t.Error("no native QR with the signed rating link")
	}
	// Long item names wrap within 32 columns on 58 mm paper.
	for _, l := range wrap("事项：城乡居民基本养老保险参保登记（含补缴、转移接续）", 32) {
		if Width(l) > 32 {
			t.Errorf("line %q is %d columns", l, Width(l))
		}
	}
}

func TestRateURLSignature(t *testing.T) {
	key := []byte("centre-secret")
	u := RateURL("https://x/pj?bh={serial}&qm={sig}", key, "BM1")
	sig := u[strings.Index(u, "qm=")+3:]
	if !VerifySig(key, "BM1", sig) {
		t.Fatal("own signature rejected")
	}
	if VerifySig(key, "BM2", sig) || VerifySig([]byte("other"), "BM1", sig) || VerifySig(key, "BM1", "zz") {
		t.Fatal("a code was accepted for another transaction or key")
	}
}

func TestTicketAndNotice(t *testing.T) {
	tk := TicketDoc(escpos.Profile80, Ticket{Centre: "满庄镇便民服务中心", Number: "A012", Category: "综合受理", Ahead: 4, IssuedAt: at, Notice: "请留意叫号"})
	if !bytes.Contains(tk, []byte{0x1D, 0x21, 0x33}) || !bytes.Contains(tk, []byte("A012")) || !bytes.Contains(tk, gbk("您前面还有 4 人等候")) {
		t.Error("ticket lacks the large number or the people ahead")
	}
	n := NoticeDoc(escpos.Profile58, Notice{Centre: "满庄镇", Item: "残疾人证申领", Missing: []string{"近期免冠照片2张", "户口簿原件"}, ClerkNo: "0107", WindowNo: 2, Date: at})
	if !bytes.Contains(n, gbk("1. 近期免冠照片2张")) || !bytes.Contains(n, gbk("2. 户口簿原件")) {
		t.Error("notice lacks the missing materials")
	}
}

// The preview draws the bytes: its QR decodes back to the signed link, and
// text shows ink where the receipt has text. Written to testdata/ to look at.
func TestPreviewRendersReceipt(t *testing.T) {
	r := sampleReceipt()
	for _, p := range []escpos.Profile{escpos.Profile58, {Name: "80raster", Columns: 48, DotsWide: 576, ChineseMode: true, Cut: escpos.CutFeed}} {
		b, err := ReceiptDoc(p, r)
		if err != nil {
			t.Fatal(err)
		}
		img, err := Preview(b, p)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != p.DotsWide || img.Bounds().Dy() < 400 {
			t.Fatalf("%s: preview %v", p.Name, img.Bounds())
		}
		dark := 0
		for _, px := range img.Pix {
			if px < 0x80 {
				dark++
			}
		}
		if frac := float64(dark) / float64(len(img.Pix)); frac < 0.03 || frac > 0.5 {
			t.Errorf("%s: %.1f%% ink — text or QR missing", p.Name, frac*100)
		}
		if got := qrText(t, img); got != r.RateURL {
			t.Errorf("%s: preview QR reads %q, want %q", p.Name, got, r.RateURL)
		}
		savePNG(t, "receipt-"+p.Name+".png", img)
	}
}

// qrText finds the QR symbol in the preview and decodes it by re-encoding
// the printed URL candidates: a full QR decoder is not worth a dependency,
// so compare the drawn module grid with the expected code's grid instead.
func qrText(t *testing.T, img *image.Gray) string {
	t.Helper()
	want := sampleReceipt().RateURL
	q, _ := qrcode.New(want, qrcode.Medium)
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	// Find the top-left finder pattern: the first row with a long dark run.
	b := img.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if img.GrayAt(x, y).Y >= 0x80 {
				continue
			}
			run := 0
			for x+run < b.Dx() && img.GrayAt(x+run, y).Y < 0x80 {
				run++
			}
			if run < 28 || run%7 != 0 { // finder pattern top edge: 7 modules
				x += run
				continue
			}
			m := run / 7
			ok := true
			for yy := 0; yy < n && ok; yy++ {
				for xx := 0; xx < n; xx++ {
					cx, cy := x+xx*m+m/2, y+yy*m+m/2
					if (img.GrayAt(cx, cy).Y < 0x80) != bm[yy][xx] {
						ok = false
						break
					}
				}
			}
			if ok {
				return want
			}
			x += run // a long stroke of a large glyph: keep looking
		}
	}
	return "(no QR)"
}

func savePNG(t *testing.T, name string, img image.Image) {
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// In the preview a narrow character sits in the middle of its fixed-pitch
// cell, as on the printer: a colon left-aligned in its cell made the time
// on a ticket read "21: 35: 31".
func TestPreviewCentresNarrowGlyphs(t *testing.T) {
	p := escpos.Profile80
	d := escpos.New(p)
	d.Line(":")
	img, err := Preview(d.Bytes(), p)
	if err != nil {
		t.Fatal(err)
	}
	cell := p.DotsWide / p.Columns
	lo, hi := cell, -1
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := 0; x < cell; x++ {
			if img.GrayAt(x, y).Y < 0x80 {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	if hi < 0 {
		t.Fatal("no ink for the colon")
	}
	if left, right := lo, cell-1-hi; left < 2 || right < 2 || left-right > 2 || right-left > 2 {
		t.Errorf("colon ink at columns %d–%d of a %d-dot cell: not centred", lo, hi, cell)
	}
}
