package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
)

func TestFormsBlankAndPrefilled(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	// One transaction to pre-fill a form for.
	d, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	wid, _ := d.AddWindow(ctx, app.Window{Number: 2, Name: "综合受理", Kind: "综合受理", Active: true})
	_ = d.SaveItem(ctx, app.ServiceItem{Code: "I9", Name: "残疾人证申领", Instant: true, Active: true})
	staff, _ := d.AllStaff(ctx)
	now := time.Now().In(app.ChinaTime)
	tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "I9", WindowID: wid, ClerkID: staff[0].ID, Status: app.TxCompleted,
		Visits: 1, BatchCount: 1, CreatedAt: now, CompletedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	blank := filepath.Join(dir, "blank.pdf")
	if code, _, errs := run(t, "forms", "--db", db, "--blank", "3", "--out", blank); code != 0 {
		t.Fatalf("blank: %d %s", code, errs)
	}
	pre := filepath.Join(dir, "pre.pdf")
	if code, _, errs := run(t, "forms", "--db", db, "--for", tx.Serial, "--layout", "a5", "--out", pre); code != 0 {
		t.Fatalf("prefilled: %d %s", code, errs)
	}
	// Numbers continue across batches: 1–3 blank, 4 pre-filled.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	text := func(p string) string {
		out, err := exec.Command("pdftotext", p, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(out), " ", "")
	}
	day := now.Format("20060102")
	if b := text(blank); !strings.Contains(b, "F"+day+"-00001") || !strings.Contains(b, "F"+day+"-00003") {
		t.Errorf("blank forms lack their numbers:\n%s", b)
	}
	if p := text(pre); !strings.Contains(p, tx.Serial) || !strings.Contains(p, "残疾人证申领") || !strings.Contains(p, "F"+day+"-00004") ||
		!strings.Contains(p, "2号窗口") {
		t.Errorf("pre-filled form:\n%s", p)
	}

	// Bad input: an unknown serial leaves no file; both modes at once is a usage error.
	bad := filepath.Join(dir, "bad.pdf")
	if code, _, errs := run(t, "forms", "--db", db, "--for", "BM-NOPE", "--out", bad); code != 1 || !strings.Contains(errs, "未找到办件") {
		t.Fatalf("unknown serial: %d %s", code, errs)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a file was written for a failed run")
	}
	if code, _, _ := run(t, "forms", "--db", db, "--blank", "2", "--for", tx.Serial, "--out", bad); code != 2 {
		t.Errorf("both modes: exit %d", code)
	}
}
