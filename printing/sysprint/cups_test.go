//go:build linux

package sysprint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"bianmin/app"
	"bianmin/printing/sysprint/cupstest"
)

// Through a real CUPS scheduler: the printers are listed with the default,
// an ESC/POS job arrives byte for byte as a raw job, a PDF goes to the
// default printer, and a missing printer is refused in Chinese.
func TestCUPSPrinting(t *testing.T) {
	receipt, office := cupstest.Start(t)
	ctx := context.Background()
	names, err := Printers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0] != "office" || names[1] != "receipt" {
		t.Errorf("printers %q", names)
	}
	if d, err := Default(ctx); err != nil || d != "office" {
		t.Errorf("default %q %v", d, err)
	}

	job := []byte("\x1b@便民 回执\n\x1dV\x41\x00") // init, text, cut: bytes a filter must not touch
	if err := PrintRaw(ctx, "receipt", "回执", job); err != nil {
		t.Fatal(err)
	}
	cupstest.Eventually(t, "the raw job in the receipt queue's output", cupstest.FileIs(receipt, job))

	pdf := filepath.Join(t.TempDir(), "月报.pdf")
	doc := []byte("%PDF-1.4\n% a stand-in: the raw queue passes it through\n%%EOF\n")
	if err := os.WriteFile(pdf, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := PrintPDF(ctx, "", pdf); err != nil {
		t.Fatal(err)
	}
	cupstest.Eventually(t, "the PDF at the default printer", cupstest.FileIs(office, doc))

	err = PrintRaw(ctx, "nosuch", "回执", job)
	if app.ErrorCode(err) != "printer_not_found" || app.UserMessage(err) != "找不到系统打印机“nosuch”，请在设备设置里重新选择" {
		t.Errorf("missing printer: %v (%s)", err, app.UserMessage(err))
	}
}
