package screens

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/printing/report"
)

// TestDashboardMonthReport: the 月报 button opens the dialog; generating the
// previous month saves a real PDF and hands it to the system viewer.
func TestDashboardMonthReport(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(time.Date(2026, 2, 10, 10, 0, 0, 0, app.ChinaTime))
	f.rate(t, f.finished(t, f.clock.Now().Add(-time.Minute)), app.LevelVeryGood)
	f.clock.Set(now)
	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	if d.Report.Visible() {
		t.Fatal("月报 shown without a report function")
	}
	dir := t.TempDir()
	var gotMonth time.Time
	var gotBy string
	d.SetReport(func(ctx context.Context, month time.Time, user *app.Staff) (string, error) {
		gotMonth, gotBy = month, user.Name
		r, err := f.svc.MonthReport(ctx, month, user.No+" "+user.Name)
		if err != nil {
			return "", err
		}
		var b bytes.Buffer
		if err := report.WritePDF(&b, r); err != nil {
			return "", err
		}
		p := filepath.Join(dir, "月报-"+r.Month+".pdf")
		return p, os.WriteFile(p, b.Bytes(), 0o644)
	})
	viewer := hasViewer
	hasViewer = func(string) bool { return true }
	t.Cleanup(func() { hasViewer = viewer })
	if !d.Report.Visible() {
		t.Fatal("月报 hidden")
	}
	test.Tap(d.Report)
	rd := d.ReportDialog
	if rd == nil {
		t.Fatal("no dialog")
	}
	if rd.Month.Selected != "2026年02月" || len(rd.Month.Options) != 13 {
		t.Fatalf("months: %q of %q", rd.Month.Selected, rd.Month.Options)
	}
	if !rd.Open.Disabled() {
		t.Error("打开 enabled before a report exists")
	}
	test.Tap(rd.Generate)
	if !gotMonth.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, app.ChinaTime)) || gotBy != "王主任" {
		t.Errorf("rendered %v by %q", gotMonth, gotBy)
	}
	want := filepath.Join(dir, "月报-2026-02.pdf")
	b, err := os.ReadFile(want)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("saved PDF: %v", err)
	}
	if !strings.Contains(rd.Status.Text, want) || rd.Open.Disabled() {
		t.Errorf("status %q, open disabled %v", rd.Status.Text, rd.Open.Disabled())
	}
	if rd.Opened == nil || rd.Opened.Scheme != "file" || rd.Opened.Path != filepath.ToSlash(want) {
		t.Errorf("opened %v", rd.Opened)
	}
}

// TestDashboardMonthReportError: a failure shows the error and re-enables 生成.
func TestDashboardMonthReportError(t *testing.T) {
	f := newFixture(t)
	env := syncEnv(t)
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	d.SetReport(func(ctx context.Context, month time.Time, user *app.Staff) (string, error) {
		return "", os.ErrPermission
	})
	test.Tap(d.Report)
	test.Tap(d.ReportDialog.Generate)
	if d.ReportDialog.Generate.Disabled() || !d.ReportDialog.Open.Disabled() {
		t.Error("buttons after a failure")
	}
	assertShown(t, env.Win, "月报未能生成")
}

// On a PC with no PDF viewer the user is told where the report was saved,
// with 打开文件夹 and 复制路径, instead of a generic error.
func TestSavedFileWithoutViewer(t *testing.T) {
	env := syncEnv(t)
	viewer := hasViewer
	hasViewer = func(string) bool { return false }
	t.Cleanup(func() { hasViewer = viewer })
	path := filepath.Join(t.TempDir(), "工单-12.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.4"), 0o644); err != nil {
		t.Fatal(err)
	}
	openFile(env, path)
	if SavedDialog.Path != path || SavedDialog.Folder.Path != filepath.ToSlash(filepath.Dir(path)) {
		t.Fatalf("dialog for %q, folder %v", SavedDialog.Path, SavedDialog.Folder)
	}
	if all := strings.Join(texts(env.Win), ""); !strings.Contains(all, path) || !shownContains(env, "打开文件夹") || !shownContains(env, "复制路径") {
		t.Errorf("shown %q", texts(env.Win))
	}
	overlays := env.Win.Canvas().Overlays()
	if overlays.Top() == nil {
		t.Fatal("no dialog")
	}
	env.Win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if overlays.Top() != nil {
		t.Error("Escape left the dialog open")
	}
}
