//go:build linux

package devices

import (
	"context"
	"errors"
	"testing"

	"bianmin/devices/escpos"
	"bianmin/printing/sysprint/cupstest"
)

// A receipt printer installed in the system (here a real CUPS scheduler):
// its status says it is there, a receipt reaches it byte for byte as a raw
// job, and a printer that is not installed is refused in Chinese before
// anything is sent.
func TestPrinterThroughSystemSpooler(t *testing.T) {
	receipt, _ := cupstest.Start(t)
	ctx := context.Background()
	pr := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: "system", Address: "receipt", Profile: escpos.Profile80}, Log: quiet()}
	if st, err := pr.Status(ctx); err != nil || !st.OK() {
		t.Fatalf("status %+v %v", st, err)
	}
	job := escpos.New(escpos.Profile80).Line("办件回执").Line("流水号 BM20261203000001").Cut().Bytes()
	if err := pr.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	cupstest.Eventually(t, "the receipt at the printer", cupstest.FileIs(receipt, job))

	gone := &Printer{Cfg: PrinterConfig{Enabled: true, Conn: "system", Address: "小票打印机", Profile: escpos.Profile80}, Log: quiet()}
	var pe *PrintError
	if _, err := gone.Status(ctx); !errors.As(err, &pe) || pe.Msg != "找不到系统打印机“小票打印机”，请在设备设置里重新选择" {
		t.Errorf("status of a missing printer: %v", err)
	}
	if err := gone.Print(ctx, job); !errors.As(err, &pe) || pe.Msg != "找不到系统打印机“小票打印机”，请在设备设置里重新选择" {
		t.Errorf("printing to a missing printer: %v", err)
	}
}
