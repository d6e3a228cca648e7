package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianmin/printing/sysprint/cupstest"
)

// `bianmin printers` through a real CUPS scheduler: the list with the
// default marked, the receipt test page as a raw job, a PDF to the default
// printer, and a printer that is not there refused in Chinese.
func TestPrintersCommand(t *testing.T) {
	receipt, office := cupstest.Start(t)
	code, out, errs := run(t, "printers")
	if code != 0 || out != "* office\n  receipt\n" {
		t.Fatalf("printers: %d %q %s", code, out, errs)
	}
	if code, out, errs := run(t, "printers", "--test", "receipt", "--paper", "58"); code != 0 || out != "测试页已送往“receipt”\n" {
		t.Fatalf("--test: %d %q %s", code, out, errs)
	}
	cupstest.Eventually(t, "the test page", func() bool {
		b, _ := os.ReadFile(receipt)
		return bytes.Contains(b, []byte("\xb4\xf2\xd3\xa1\xb2\xe2\xca\xd4\xd2\xb3")) && bytes.Contains(b, []byte("58mm"))
	})
	pdf := filepath.Join(t.TempDir(), "月报.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.4\n%%EOF\n"), 0o644)
	if code, out, errs := run(t, "printers", "--pdf", pdf); code != 0 || !strings.Contains(out, "系统默认打印机") {
		t.Fatalf("--pdf: %d %q %s", code, out, errs)
	}
	cupstest.Eventually(t, "the PDF", cupstest.FileIs(office, []byte("%PDF-1.4\n%%EOF\n")))
	if code, _, errs := run(t, "printers", "--test", "前台小票机"); code == 0 || !strings.Contains(errs, "找不到系统打印机“前台小票机”") {
		t.Errorf("a missing printer: %d %s", code, errs)
	}
}
