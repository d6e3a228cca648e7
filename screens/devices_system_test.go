//go:build linux

package screens

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"bianmin/devices/devconf"
	"bianmin/internal/eventually"
	"bianmin/printing/sysprint/cupstest"
)

// 设备设置 with printers installed in the system (a real CUPS scheduler):
// the receipt printer can be 系统打印机 chosen from the installed ones, the
// A4 documents' printer is the system default unless another is chosen;
// saved, the status line says it is ready and the test page reaches it.
func TestDeviceSettingsSystemPrinter(t *testing.T) {
	receipt, _ := cupstest.Start(t)
	s, rig, path, _ := deviceScreen(t)
	test.Tap(s.RefreshBtn)
	if got := strings.Join(s.A4Printer.Options, "|"); got != "系统默认打印机（office）|office|receipt" {
		t.Errorf("A4 choices %q", got)
	}
	if s.A4Printer.Selected != "系统默认打印机（office）" {
		t.Errorf("A4 printer %q", s.A4Printer.Selected)
	}
	s.PrinterKind.SetSelected("系统打印机（Windows / CUPS 中已安装的打印机）")
	if got := strings.Join(s.addrOpt, "|"); got != "office|receipt" {
		t.Errorf("receipt printer choices %q", got)
	}
	s.PrinterAddr.SetText("")
	test.Tap(s.Save)
	if !strings.Contains(s.SaveMsg.Text, "请选择系统打印机") {
		t.Errorf("no printer chosen: %q", s.SaveMsg.Text)
	}
	s.PrinterAddr.SetText("receipt")
	s.A4Printer.SetSelected("office")
	s.Simulate.SetChecked(false)
	test.Tap(s.Save)
	if s.SaveMsg.Text != "设置已保存，设备已按新设置重新连接。" {
		t.Fatalf("save: %q", s.SaveMsg.Text)
	}
	got, err := devconf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Printer.Kind != devconf.KindSystem || got.Printer.Address != "receipt" || got.A4Printer != "office" {
		t.Fatalf("saved %+v, A4 %q", got.Printer, got.A4Printer)
	}
	eventually.True(t, "the system printer ready", func() bool { return rig.Status()[1].State == devconf.StateConnected })
	if st := rig.Status()[1]; !strings.Contains(st.Text, "系统打印机：receipt") {
		t.Errorf("printer line %q", st.Text)
	}
	test.Tap(s.TestPrinter)
	if !strings.HasPrefix(s.PrinterMsg.Text, "测试页已发送") {
		t.Fatalf("打印测试页: %q", s.PrinterMsg.Text)
	}
	cupstest.Eventually(t, "the test page at the printer", func() bool {
		b, _ := os.ReadFile(receipt)
		return bytes.Contains(b, []byte("\xb4\xf2\xd3\xa1\xb2\xe2\xca\xd4\xd2\xb3")) // 打印测试页 in GBK
	})
}
