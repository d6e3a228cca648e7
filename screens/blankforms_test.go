package screens

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"bianmin/cli"
)

// 录入评价表 → 打印空白评价表: the manager says how many, a bad number is
// said in Chinese, and a real PDF of numbered blank forms (two to an A4
// sheet, numbers from the database's counter) is made and handed over.
func TestBlankFormsFromPaperEntry(t *testing.T) {
	svc, db, m := demoCentre(t)
	hasViewer = func(string) bool { return false }
	t.Cleanup(func() { hasViewer = func(string) bool { return true } })
	env := syncEnv(t)
	d := NewDashboard(env, svc, m)
	d.BlankForms = func(ctx context.Context, n int) (string, error) {
		return cli.SaveBlankForms(ctx, svc, db, db.Path(), n)
	}
	env.Win.SetContent(d.Content())
	d.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF2})
	p := d.PaperScreen
	if p == nil || !p.BlankForms.Visible() {
		t.Fatal("no 打印空白评价表 on the paper-entry screen")
	}
	test.Tap(p.BlankForms)
	count, ok := env.Win.Canvas().Focused().(*hkEntry)
	if !ok || p.BlankDialog == nil {
		t.Fatalf("the count field does not have the focus: %T", env.Win.Canvas().Focused())
	}
	count.SetText("0")
	count.OnSubmitted(count.Text)
	if !shownContains(env, "张数应为 1 至 2000 之间的整数") || p.BlankPrinted != "" {
		t.Fatal("a count of 0 was not refused")
	}
	count.SetText("3")
	count.OnSubmitted(count.Text)
	if p.BlankPrinted == "" {
		t.Fatal("no forms written")
	}
	b, err := os.ReadFile(p.BlankPrinted)
	if err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("%s: %v", p.BlankPrinted, err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		out, _ := exec.Command("pdftotext", p.BlankPrinted, "-").Output()
		for _, no := range []string{"-00001", "-00002", "-00003"} {
			if !strings.Contains(string(out), no) {
				t.Errorf("form number %s not in the PDF", no)
			}
		}
	}
	if !shownContains(env, "文件已保存在") {
		t.Error("without a viewer the user is not told where the forms are")
	}
}
