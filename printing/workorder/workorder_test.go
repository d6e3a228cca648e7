package workorder

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
)

// Each page's footer names its own order (fpdf draws a footer when the next
// page begins; the footer named the next order).
func TestFooterNamesItsOwnOrder(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; make test installs it")
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, app.ChinaTime)
	var sheets []Sheet
	for _, id := range []int64{41, 42, 43} {
		d := &app.OrderDetail{Serial: "BM2026112000001" + string(rune('0'+id-40)), Window: 2, RatedAt: at}
		d.Order.ID, d.Order.CreatedAt = id, at
		d.ItemName, d.ClerkName, d.Level = "居民身份证明", "李晓红", app.LevelBad
		sheets = append(sheets, Sheet{Centre: "示范镇便民服务中心", Detail: d})
	}
	var buf bytes.Buffer
	if err := Write(&buf, sheets, at); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "orders.pdf")
	if err := os.WriteFile(pdf, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for page, id := range []string{"41", "42", "43"} {
		p := string(rune('1' + page))
		out, err := exec.Command("pdftotext", "-f", p, "-l", p, "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		if !strings.Contains(text, "工单号 "+id) || !strings.Contains(text, "差评工单 "+id+" · 第 "+p+" 页") {
			t.Errorf("page %s: header or footer not of order %s:\n%s", p, id, text[max(0, len(text)-200):])
		}
	}
}
