//go:build linux

package screens

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/devices"
	"bianmin/devices/devconf"
	"bianmin/devices/idcard"
	"bianmin/internal/eventually"
)

// deviceScreen starts the window's devices as a PC with nothing configured
// does (simulated keypad and printer on pseudo-terminals, through the real
// serial path) and opens the settings screen on them.
func deviceScreen(t *testing.T) (*DeviceSettings, *devices.WindowRig, string, *Env) {
	t.Helper()
	f := newFixture(t)
	dir := t.TempDir()
	path := filepath.Join(dir, devconf.FileName)
	ctx, cancel := context.WithCancel(context.Background())
	rig, err := devices.StartWindow(ctx, devconf.Default(), devices.WindowOptions{Rater: f.svc, Audit: f.db,
		Centre: "测试镇便民服务中心", ConfigPath: path, SimDir: filepath.Join(dir, "printed"), SimDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); rig.Close() })
	eventually.True(t, "the simulated devices connected", func() bool {
		st := rig.Status()
		return st[0].State == devconf.StateConnected && st[1].State == devconf.StateConnected && st[2].State == devconf.StateConnected
	})
	env := syncEnv(t)
	s := NewDeviceSettings(env, rig, -1)
	env.Win.SetContent(s.Content())
	return s, rig, path, env
}

// 测试 on the simulated keypad proves it answers; on a port that is not
// there the reason is told in Chinese.
func TestDeviceSettingsKeypadTest(t *testing.T) {
	s, _, _, env := deviceScreen(t)
	s.refreshStatus()
	if !shownContains(env, "评价器：已连接（模拟评价器") || !shownContains(env, "打印机：已连接（模拟打印机") {
		t.Errorf("status lines: %q", texts(env.Win))
	}
	if s.KeypadPort.Text != "" || s.KeypadMode.Selected != "带显示屏的评价器（帧协议 BMK/1）" || !s.Simulate.Checked {
		t.Errorf("the form does not show the default configuration: port %q mode %q", s.KeypadPort.Text, s.KeypadMode.Selected)
	}

	test.Tap(s.TestKeypad)
	if !strings.Contains(s.KeypadMsg.Text, "评价器应答正常：型号 BMK-SIM") || !strings.Contains(s.KeypadMsg.Text, "模拟评价器") {
		t.Errorf("测试 on the simulated keypad: %q", s.KeypadMsg.Text)
	}
	if !shownContains(env, "评价器应答正常") {
		t.Error("the result of 测试 is not on the screen")
	}

	missing := filepath.Join(t.TempDir(), "ttyUSB7")
	s.KeypadPort.SetText(missing)
	test.Tap(s.TestKeypad)
	want := "无法打开串口 " + missing + "：找不到该串口（设备未插好，或串口名称不对）"
	if s.KeypadMsg.Text != want {
		t.Errorf("测试 on a missing port: %q, want %q", s.KeypadMsg.Text, want)
	}
}

// 保存 writes the PC's device file and reconnects with it; a refused
// configuration is told and not written. 打印测试页 reaches the printer saved.
func TestDeviceSettingsSave(t *testing.T) {
	s, rig, path, env := deviceScreen(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	psim := &devices.PrinterSim{}
	addr, err := psim.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	s.PrinterKind.SetSelected("网络（IP:9100）")
	s.PrinterAddr.SetText("127.0.0.1")
	test.Tap(s.Save)
	if !strings.Contains(s.SaveMsg.Text, "IP:端口") {
		t.Errorf("a bad address: %q", s.SaveMsg.Text)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a refused configuration was written: %v", err)
	}

	s.PrinterAddr.SetText(addr.String())
	s.Paper.SetSelected("58 毫米")
	s.QR.SetSelected("图片（不支持指令的旧型号）")
	if !s.KeyMap.Disabled() || s.KeypadAddr.Disabled() {
		t.Error("frame mode: the key mapping is editable or the address is not")
	}
	s.KeypadMode.SetSelected("简易按键评价器（每键一个字节）")
	if s.KeyMap.Disabled() || !s.KeypadAddr.Disabled() || !s.Timeout.Disabled() {
		t.Error("ascii mode: the key mapping is not editable, or address and waiting time are")
	}
	s.KeyMap.SetText("54321")
	s.Simulate.SetChecked(false)
	test.Tap(s.Save)
	if s.SaveMsg.Text != "设置已保存，设备已按新设置重新连接。" {
		t.Fatalf("save: %q", s.SaveMsg.Text)
	}
	got, err := devconf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := devconf.Default()
	want.Simulate = false
	want.Keypad.Mode, want.Keypad.KeyMap = devconf.ModeASCII, "54321"
	want.Printer.Kind, want.Printer.Address, want.Printer.Paper, want.Printer.QR = devconf.KindTCP, addr.String(), 58, devconf.QRRaster
	if got != want {
		t.Fatalf("saved %+v\nwant  %+v", got, want)
	}
	if rig.Config() != want {
		t.Errorf("the devices run with %+v", rig.Config())
	}
	// No keypad port and no simulation: the keypad is not configured.
	if st := rig.Status()[0]; st.State != devconf.StateNone {
		t.Errorf("keypad after save: %+v", st)
	}
	if got := s.StatusLines[0].Text; got != "评价器：未配置（请在“设备设置”中选择评价器串口）" || !shownContains(env, "评价器：未配置") {
		t.Errorf("keypad status line %q", got)
	}

	test.Tap(s.TestPrinter)
	if s.PrinterMsg.Text != "测试页已发送，打印机状态正常" {
		t.Fatalf("打印测试页: %q", s.PrinterMsg.Text)
	}
	eventually.True(t, "the test page at the printer", func() bool { return len(psim.Jobs()) > 0 })
	if n := len(psim.Jobs()); n != 1 {
		t.Fatalf("the printer received %d jobs", n)
	}
	if !strings.Contains(string(psim.Jobs()[0]), "\xb4\xf2\xd3\xa1\xb2\xe2\xca\xd4\xd2\xb3") { // 打印测试页 in GBK
		t.Error("the test page is not on the printer")
	}
}

// 预览 shows the sample receipt as the chosen paper would print it.
func TestDeviceSettingsPreview(t *testing.T) {
	s, _, _, env := deviceScreen(t)
	if s.Preview.Image != nil {
		t.Fatal("a preview before 预览")
	}
	test.Tap(s.PreviewBtn)
	if s.Preview.Image == nil || s.Preview.Image.Bounds().Dx() != 576 || s.Preview.Image.Bounds().Dy() < 400 {
		t.Fatalf("80 mm preview: %v", s.Preview.Image)
	}
	if !s.Preview.Visible() || s.Preview.MinSize().Width != previewWidth {
		t.Errorf("the preview is not laid out: %v", s.Preview.MinSize())
	}
	if s.PreviewNote.Text != "示例办件回执（80毫米纸，打印机自带二维码），与打印机收到的内容一致。" || !shownContains(env, "示例办件回执") {
		t.Errorf("preview note %q", s.PreviewNote.Text)
	}
	s.Paper.SetSelected("58 毫米")
	test.Tap(s.PreviewBtn)
	if s.Preview.Image.Bounds().Dx() != 384 {
		t.Errorf("58 mm preview is %d dots wide", s.Preview.Image.Bounds().Dx())
	}
}

// 测试读卡器 on the simulated reader: the module answers and a sample card is
// placed; unticking the reader and saving stops it.
func TestDeviceSettingsIDReader(t *testing.T) {
	s, rig, path, env := deviceScreen(t)
	s.refreshStatus()
	if !shownContains(env, "读卡器：已连接（模拟读卡器）") || !s.ReaderOn.Checked || s.ReaderBaud.Selected != "115200" {
		t.Fatalf("reader not shown: %q", texts(env.Win))
	}
	cards := make(chan string, 2)
	rig.OnIDCard(func(c *idcard.Card, p string) {
		if c != nil {
			cards <- c.Name
		}
	})
	test.Tap(s.TestReader)
	if !strings.Contains(s.ReaderMsg.Text, "读卡器应答正常") || !strings.Contains(s.ReaderMsg.Text, "示例身份证") {
		t.Fatalf("test: %q", s.ReaderMsg.Text)
	}
	select {
	case name := <-cards:
		if name != "王秀英" {
			t.Errorf("sample card %q", name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sample card was not read")
	}
	s.ReaderOn.SetChecked(false)
	test.Tap(s.Save)
	if !strings.Contains(s.SaveMsg.Text, "设置已保存") || !shownContains(env, "读卡器：已停用") {
		t.Fatalf("save: %q, %q", s.SaveMsg.Text, texts(env.Win))
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"id_reader": {`) {
		t.Fatalf("devices.json %s %v", b, err)
	}
	test.Tap(s.TestReader)
	if !strings.Contains(s.ReaderMsg.Text, "读卡器未启用") {
		t.Errorf("test with the reader off: %q", s.ReaderMsg.Text)
	}
}
