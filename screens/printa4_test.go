//go:build linux

package screens

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/printing/sysprint"
	"bianmin/printing/sysprint/cupstest"
)

// An A4 document prints from where it was made, through the system's
// spooler (a real CUPS scheduler here): the monthly report's 打印 next to
// 打开, and the 打印 of the dialog every other document (work orders, the
// binder, the call list) comes up in; a printer that is gone is said in
// Chinese, and the file stays where it was saved.
func TestPrintA4Documents(t *testing.T) {
	_, office := cupstest.Start(t)
	env := syncEnv(t)
	printer := "" // the default printer
	env.PrintPDF = func(ctx context.Context, path string) (string, error) {
		shown := printer
		if shown == "" {
			shown = "office"
		}
		return shown, sysprint.PrintPDF(ctx, printer, path)
	}
	dir := t.TempDir()
	pdf := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("%PDF-1.4\n"+body+"\n%%EOF\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// 月报: generated, then 打印 (not opened behind the manager's back).
	report := pdf("月报-2026-11.pdf", "% the November report")
	r := NewReportDialog(env, func(context.Context, time.Time, *app.Staff) (string, error) { return report, nil },
		&app.Staff{No: "0001", Name: "负责人", Role: app.RoleManager}, time.Date(2026, 12, 3, 9, 0, 0, 0, app.ChinaTime))
	r.Show()
	if !r.Print.Visible() || !r.Print.Disabled() {
		t.Fatal("打印 not shown, or enabled before there is a report")
	}
	test.Tap(r.Generate)
	if r.Opened != nil {
		t.Error("the report was opened although the PC can print it")
	}
	test.Tap(r.Print)
	want, _ := os.ReadFile(report)
	cupstest.Eventually(t, "the report at the default printer", cupstest.FileIs(office, want))
	if r.Status.Text != "已送往打印机“office”："+report {
		t.Errorf("report status %q", r.Status.Text)
	}

	// A work order: the dialog offers 打印 first.
	os.Remove(office)
	sheet := pdf("差评工单-7.pdf", "% order 7")
	docReady(env, "差评工单 7", sheet)
	if DocDialog.Path != sheet || DocDialog.Print == nil {
		t.Fatalf("no document dialog for %s", sheet)
	}
	if env.Win.Canvas().Focused() != DocDialog.Print {
		t.Error("打印 does not have the focus (Enter prints)")
	}
	test.Tap(DocDialog.Print)
	want, _ = os.ReadFile(sheet)
	cupstest.Eventually(t, "the work order at the printer", cupstest.FileIs(office, want))
	if DocDialog.Status.Text != "已送往打印机“office”。" {
		t.Errorf("status %q", DocDialog.Status.Text)
	}

	// The chosen printer was removed from the system.
	printer = "财务室打印机"
	docReady(env, "回访名单", pdf("回访名单.pdf", "% list"))
	test.Tap(DocDialog.Print)
	if DocDialog.Status.Text != "打印未成功：找不到系统打印机“财务室打印机”，请在设备设置里重新选择" {
		t.Errorf("missing printer: %q", DocDialog.Status.Text)
	}
}
