package forms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var created = time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func opts(l Layout) Options {
	return Options{Centre: "岱岳区满庄镇便民服务中心", Layout: l, Created: created,
		Levels:  [5]string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"},
		BadTags: []string{"态度不好", "多次跑动", "等候时间长", "材料要求不清", "办理超时", "系统故障", "环境差"}}
}

func sample(n int) []Form {
	var out []Form
	for i := 0; i < n; i++ {
		f := Form{FormNo: "F20261125-" + string(rune('0'+i/10)) + string(rune('0'+i%10))}
		if i%2 == 0 {
			f.Serial, f.Item, f.WindowNo, f.ClerkNo, f.Date = "BM2026112500001"+string(rune('0'+i%10)),
				"城乡居民基本养老保险参保登记", 3, "0107", created
		}
		out = append(out, f)
	}
	return out
}

func render(t *testing.T, forms []Form, l Layout) (pdfPath string, text string, pages int) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, forms, opts(l)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "out")
	os.MkdirAll(dir, 0o755)
	pdfPath = filepath.Join(dir, string(l)+".pdf")
	if err := os.WriteFile(pdfPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; make test installs it")
	}
	out, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return pdfPath, string(out), strings.Count(string(out), "\f")
}

func TestLayoutsPagesAndText(t *testing.T) {
	for _, c := range []struct {
		l     Layout
		n     int
		pages int
	}{{A4x2, 5, 3}, {A4x4, 5, 2}, {A5, 3, 3}} {
		_, text, pages := render(t, sample(c.n), c.l)
		if pages != c.pages {
			t.Errorf("%s: %d forms on %d pages, want %d", c.l, c.n, pages, c.pages)
		}
		last := sample(c.n)[c.n-1].FormNo
		for _, want := range []string{"书面评价表", "F20261125-00", last, "BM20261125000010", "1 非常不满意", "5 非常满意", "3 等候时间长",
			"工号 0107", "评价人签名", "不会告知被评价的工作人员"} {
			if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
				t.Errorf("%s: text lacks %q", c.l, want)
			}
		}
	}
}

// Same input, same bytes: forms can be regenerated and compared.
func TestDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := Write(&a, sample(4), opts(A4x2)); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, sample(4), opts(A4x2)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs differ")
	}
	if err := Write(&a, nil, opts(A4x2)); err == nil {
		t.Fatal("empty batch accepted")
	}
	if err := Write(&a, sample(1), opts("a3")); err == nil {
		t.Fatal("unknown layout accepted")
	}
}
