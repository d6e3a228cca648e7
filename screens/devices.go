package screens

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
	"bianmin/devices/devconf"
)

// DeviceBackend is what the 设备设置 screen needs from the window's devices;
// *devices.WindowRig implements it. The screen opens no port itself.
type DeviceBackend interface {
	Ports() ([]devconf.Port, error)
	// SystemPrinters lists the printers installed in the system (Windows
	// printers, CUPS queues) and names the default one ("" when none).
	SystemPrinters(ctx context.Context) (names []string, def string, err error)
	Config() devconf.Config
	// Save validates, writes the PC's device file and restarts the devices.
	Save(ctx context.Context, c devconf.Config) error
	// TestKeypad proves the keypad answers; the message is Chinese.
	TestKeypad(ctx context.Context, k devconf.Keypad) (string, error)
	// TestPrinter prints a test page.
	TestPrinter(ctx context.Context, p devconf.Printer) (string, error)
	// Preview renders a sample 办件回执 as p would print it.
	Preview(ctx context.Context, p devconf.Printer) (image.Image, error)
	// TestIDReader asks the running ID card reader to answer (a simulated
	// one also gets a sample card placed).
	TestIDReader(ctx context.Context) (string, error)
	Status() []devconf.Status
}

// Choices shown for the configuration's codes.
var (
	keypadModes = []devChoice{
		{devconf.ModeFrame, "带显示屏的评价器（帧协议 BMK/1）"},
		{devconf.ModeASCII, "简易按键评价器（每键一个字节）"},
	}
	printerKinds = []devChoice{
		{devconf.KindNone, "无（未接打印机）"},
		{devconf.KindSerial, "串口（COM 口 / USB 转串口）"},
		{devconf.KindTCP, "网络（IP:9100）"},
		{devconf.KindFile, "USB 打印机设备文件（/dev/usb/lp0）"},
		{devconf.KindSystem, "系统打印机（Windows / CUPS 中已安装的打印机）"},
	}
	qrModes = []devChoice{
		{devconf.QRNative, "打印机指令（推荐）"},
		{devconf.QRRaster, "图片（不支持指令的旧型号）"},
	}
	cutModes = []devChoice{
		{"feed", "走纸后切纸"},
		{"full", "全切"},
		{"partial", "半切"},
		{"none", "不切纸（无切刀）"},
	}
	paperWidths = []string{"58 毫米", "80 毫米"}
)

type devChoice struct{ code, label string }

func devLabels(cs []devChoice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label
	}
	return out
}

func devLabelOf(cs []devChoice, code string) string {
	for _, c := range cs {
		if c.code == code {
			return c.label
		}
	}
	return cs[0].label
}

func devCodeOf(cs []devChoice, label string) string {
	for _, c := range cs {
		if c.label == label {
			return c.code
		}
	}
	return cs[0].code
}

func devBaudLabels() []string {
	out := make([]string, len(devconf.Bauds))
	for i, b := range devconf.Bauds {
		out[i] = strconv.Itoa(b)
	}
	return out
}

// DeviceSettings is the 设备设置 screen of one window PC: the rating keypad's
// port and protocol, the receipt printer's connection, paper and QR mode,
// simulated devices on or off; 测试 proves a device answers, 预览 shows the
// receipt as the printer would print it, 保存 writes the PC's device file and
// reconnects; the status lines refresh by themselves.
type DeviceSettings struct {
	KeypadOn   *widget.Check
	KeypadPort *widget.SelectEntry
	KeypadMode *widget.Select
	KeypadBaud *widget.Select
	KeypadAddr *widget.Entry
	KeyMap     *widget.SelectEntry
	Timeout    *widget.Entry
	TestKeypad *widget.Button
	KeypadMsg  *widget.Label // the last 测试's result

	PrinterOn   *widget.Check
	PrinterKind *widget.Select
	PrinterAddr *widget.SelectEntry
	PrinterBaud *widget.Select
	Paper       *widget.RadioGroup
	QR          *widget.Select
	Cut         *widget.Select
	TestPrinter *widget.Button
	PreviewBtn  *widget.Button
	PrinterMsg  *widget.Label
	Preview     *canvas.Image // the sample receipt; nil Image until 预览
	PreviewNote *widget.Label

	ReaderOn   *widget.Check
	ReaderPort *widget.SelectEntry
	ReaderBaud *widget.Select
	TestReader *widget.Button
	ReaderMsg  *widget.Label

	// A4Printer is where the monthly report, work orders and lists print:
	// the first option is the system's default printer.
	A4Printer   *widget.Select
	Simulate    *widget.Check
	RefreshBtn  *widget.Button
	PortsMsg    *widget.Label // the ports found
	StatusLines []*widget.Label
	Save        *widget.Button
	SaveMsg     *widget.Label
	Back        *widget.Button
	// OnBack runs when the user leaves the screen.
	OnBack func()

	env     *Env
	be      DeviceBackend
	ports   []devconf.Port
	addrOpt []string // what the printer's address offers
	sysPrn  []string // the system's printers
	sysDef  string   // and its default
	a4      string   // the configured A4 printer ("" = default) until the list arrives
	obj     fyne.CanvasObject
	statusC *fyne.Container
	stop    func()
}

// NewDeviceSettings builds the screen with be's current configuration.
// refresh is how often the status lines refresh: 0 = every 2 s, negative =
// only after an action (tests).
func NewDeviceSettings(env *Env, be DeviceBackend, refresh time.Duration) *DeviceSettings {
	s := &DeviceSettings{env: env, be: be}
	s.KeypadOn = widget.NewCheck("启用评价器", nil)
	s.KeypadPort = widget.NewSelectEntry(nil)
	s.KeypadPort.SetPlaceHolder("如 COM3；留空为不接")
	s.KeypadMode = newSelect(devLabels(keypadModes), func(string) { s.modeChanged() })
	s.KeypadBaud = newSelect(devBaudLabels(), nil)
	s.KeypadAddr = widget.NewEntry()
	s.KeyMap = widget.NewSelectEntry([]string{"12345", "54321"})
	s.KeyMap.SetPlaceHolder("12345")
	s.Timeout = widget.NewEntry()
	s.TestKeypad = widget.NewButton("测试评价器", s.testKeypad)
	s.KeypadMsg = devWrapLabel()

	s.PrinterOn = widget.NewCheck("启用打印机", nil)
	s.PrinterKind = newSelect(devLabels(printerKinds), func(string) { s.kindChanged() })
	s.PrinterAddr = widget.NewSelectEntry(nil)
	s.PrinterBaud = newSelect(devBaudLabels(), nil)
	s.Paper = widget.NewRadioGroup(paperWidths, nil)
	s.Paper.Horizontal = true
	s.Paper.Required = true
	s.QR = newSelect(devLabels(qrModes), nil)
	s.Cut = newSelect(devLabels(cutModes), nil)
	s.TestPrinter = widget.NewButton("打印测试页", s.testPrinter)
	s.PreviewBtn = widget.NewButton("预览回执", s.preview)
	s.PrinterMsg = devWrapLabel()
	s.Preview = canvas.NewImageFromImage(nil)
	s.Preview.FillMode = canvas.ImageFillContain
	s.PreviewNote = devWrapLabel()
	s.PreviewNote.SetText("点“预览回执”查看按当前纸宽和二维码方式打印出的办件回执。")

	s.ReaderOn = widget.NewCheck("启用身份证读卡器", nil)
	s.ReaderPort = widget.NewSelectEntry(nil)
	s.ReaderPort.SetPlaceHolder("如 COM5；留空为不接")
	s.ReaderBaud = newSelect(devBaudLabels(), nil)
	s.TestReader = widget.NewButton("测试读卡器", s.testReader)
	s.ReaderMsg = devWrapLabel()
	s.ReaderMsg.SetText("支持串口（SAM 协议）读卡器；只提供厂家 DLL 的读卡器不支持。测试的是已保存的设置。")

	s.A4Printer = newSelect([]string{a4Default("")}, nil)
	s.A4Printer.SetSelected(a4Default(""))
	s.Simulate = widget.NewCheck("没有配置的设备用模拟设备代替（演示、培训用；Linux）", nil)
	s.RefreshBtn = widget.NewButton("刷新串口和打印机列表", func() { s.refreshPorts(); s.refreshPrinters() })
	s.PortsMsg = devWrapLabel()
	s.Save = widget.NewButton("保存并重新连接", s.save)
	s.Save.Importance = widget.HighImportance
	s.SaveMsg = devWrapLabel()
	s.Back = widget.NewButton("返回", func() {
		s.Stop()
		if s.OnBack != nil {
			s.OnBack()
		}
	})

	s.load(be.Config())
	s.refreshPorts()
	s.refreshPrinters()
	s.statusC = container.NewVBox()
	s.refreshStatus()
	s.build()
	if refresh >= 0 {
		if refresh == 0 {
			refresh = 2 * time.Second
		}
		s.startRefresh(refresh)
	}
	return s
}

func devWrapLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	return l
}

// Content is the screen.
func (s *DeviceSettings) Content() fyne.CanvasObject { return s.obj }

func (s *DeviceSettings) build() {
	keypadForm := widget.NewForm(
		widget.NewFormItem("", s.KeypadOn),
		widget.NewFormItem("串口", s.KeypadPort),
		widget.NewFormItem("协议", s.KeypadMode),
		widget.NewFormItem("波特率", s.KeypadBaud),
		widget.NewFormItem("地址（frame）", s.KeypadAddr),
		widget.NewFormItem("按键映射（ascii）", s.KeyMap),
		widget.NewFormItem("评价等待（秒）", s.Timeout),
	)
	keypad := widget.NewCard("评价器", "", container.NewVBox(keypadForm,
		container.NewHBox(s.TestKeypad), s.KeypadMsg))

	printerForm := widget.NewForm(
		widget.NewFormItem("", s.PrinterOn),
		widget.NewFormItem("连接方式", s.PrinterKind),
		widget.NewFormItem("地址", s.PrinterAddr),
		widget.NewFormItem("波特率（串口）", s.PrinterBaud),
		widget.NewFormItem("纸宽", s.Paper),
		widget.NewFormItem("二维码", s.QR),
		widget.NewFormItem("切纸", s.Cut),
	)
	printer := widget.NewCard("回执打印机", "", container.NewVBox(printerForm,
		container.NewHBox(s.TestPrinter, s.PreviewBtn), s.PrinterMsg))

	general := widget.NewCard("本机", "", container.NewVBox(
		widget.NewForm(widget.NewFormItem("A4 文件打印到", s.A4Printer)), s.Simulate,
		container.NewHBox(s.RefreshBtn), s.PortsMsg))
	readerForm := widget.NewForm(
		widget.NewFormItem("", s.ReaderOn),
		widget.NewFormItem("串口", s.ReaderPort),
		widget.NewFormItem("波特率", s.ReaderBaud),
	)
	reader := widget.NewCard("身份证读卡器", "", container.NewVBox(readerForm, container.NewHBox(s.TestReader), s.ReaderMsg))

	// Keypad and printer side by side, so the whole form shows without
	// scrolling on a 1366×768 hall PC; the status and the preview on the right.
	left := container.NewVScroll(container.NewVBox(container.NewGridWithColumns(2, keypad, printer), reader, general))
	status := widget.NewCard("设备状态", "", s.statusC)
	prev := container.NewBorder(s.PreviewNote, nil, nil, nil, container.NewVScroll(s.Preview))
	right := container.NewBorder(status, nil, nil, nil, widget.NewCard("回执预览", "", prev))
	split := container.NewHSplit(left, right)
	split.Offset = 0.68

	title := widget.NewLabelWithStyle("设备设置（本机）", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel("设置只对这台电脑有效，保存在数据库旁的 devices.json 中。")
	top := container.NewHBox(title, hint)
	bottom := container.NewBorder(nil, nil, s.Back, s.Save, s.SaveMsg)
	s.obj = container.NewBorder(container.NewPadded(top), container.NewPadded(bottom), nil, nil, split)
}

// load shows c in the form.
func (s *DeviceSettings) load(c devconf.Config) {
	k := c.Keypad
	s.KeypadOn.SetChecked(k.Enabled)
	s.KeypadPort.SetText(k.Port)
	s.KeypadMode.SetSelected(devLabelOf(keypadModes, k.Mode))
	s.KeypadBaud.SetSelected(strconv.Itoa(devOrDefault(k.Baud, 9600)))
	s.KeypadAddr.SetText(strconv.Itoa(devOrDefault(k.Addr, 1)))
	s.KeyMap.SetText(k.KeyMap)
	s.Timeout.SetText(strconv.Itoa(devOrDefault(k.TimeoutS, 60)))

	s.a4 = c.A4Printer
	s.fillA4()
	p := c.Printer
	s.PrinterOn.SetChecked(p.Enabled)
	s.PrinterKind.SetSelected(devLabelOf(printerKinds, p.Kind))
	s.PrinterAddr.SetText(p.Address)
	s.PrinterBaud.SetSelected(strconv.Itoa(devOrDefault(p.Baud, 9600)))
	if p.Paper == 58 {
		s.Paper.SetSelected(paperWidths[0])
	} else {
		s.Paper.SetSelected(paperWidths[1])
	}
	s.QR.SetSelected(devLabelOf(qrModes, p.QR))
	s.Cut.SetSelected(devLabelOf(cutModes, p.Cut))
	s.ReaderOn.SetChecked(c.IDReader.Enabled)
	s.ReaderPort.SetText(c.IDReader.Port)
	s.ReaderBaud.SetSelected(strconv.Itoa(devOrDefault(c.IDReader.Baud, 115200)))
	s.Simulate.SetChecked(c.Simulate)
	s.kindChanged()
	s.modeChanged()
}

// modeChanged enables the keypad fields its protocol uses: address and
// waiting time for frame, the key mapping for ascii.
func (s *DeviceSettings) modeChanged() {
	if s.KeyMap == nil || s.KeypadAddr == nil || s.Timeout == nil {
		return // still being built
	}
	ascii := devCodeOf(keypadModes, s.KeypadMode.Selected) == devconf.ModeASCII
	for _, w := range []fyne.Disableable{s.KeypadAddr, s.Timeout} {
		if ascii {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if ascii {
		s.KeyMap.Enable()
	} else {
		s.KeyMap.Disable()
	}
}

func devOrDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// devAtoi reads a number field; what is not a number becomes -1, which
// validation refuses with its own message.
func devAtoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// form reads the configuration the form shows.
func (s *DeviceSettings) form() devconf.Config {
	c := devconf.Config{Simulate: s.Simulate.Checked}
	c.Keypad = devconf.Keypad{Enabled: s.KeypadOn.Checked, Port: strings.TrimSpace(s.KeypadPort.Text),
		Mode: devCodeOf(keypadModes, s.KeypadMode.Selected), Baud: devAtoi(s.KeypadBaud.Selected),
		Addr: devAtoi(s.KeypadAddr.Text), KeyMap: strings.TrimSpace(s.KeyMap.Text), TimeoutS: devAtoi(s.Timeout.Text)}
	if c.Keypad.KeyMap == "" {
		c.Keypad.KeyMap = "12345"
	}
	paper := 80
	if s.Paper.Selected == paperWidths[0] {
		paper = 58
	}
	c.A4Printer = s.a4Choice()
	c.Printer = devconf.Printer{Enabled: s.PrinterOn.Checked, Kind: devCodeOf(printerKinds, s.PrinterKind.Selected),
		Address: strings.TrimSpace(s.PrinterAddr.Text), Baud: devAtoi(s.PrinterBaud.Selected), Paper: paper,
		QR: devCodeOf(qrModes, s.QR.Selected), Cut: devCodeOf(cutModes, s.Cut.Selected)}
	c.IDReader = devconf.IDReader{Enabled: s.ReaderOn.Checked, Port: strings.TrimSpace(s.ReaderPort.Text),
		Baud: devAtoi(s.ReaderBaud.Selected)}
	return c
}

// kindChanged fits the address field to the printer's connection.
func (s *DeviceSettings) kindChanged() {
	switch devCodeOf(printerKinds, s.PrinterKind.Selected) {
	case devconf.KindSerial:
		s.setAddrOptions(s.portNames())
		s.PrinterAddr.SetPlaceHolder("选择或输入串口，如 COM4")
		s.PrinterAddr.Enable()
		s.PrinterBaud.Enable()
	case devconf.KindTCP:
		s.setAddrOptions(nil)
		s.PrinterAddr.SetPlaceHolder("打印机 IP:端口，如 192.168.1.50:9100")
		s.PrinterAddr.Enable()
		s.PrinterBaud.Disable()
	case devconf.KindFile:
		s.setAddrOptions([]string{"/dev/usb/lp0", "/dev/usb/lp1"})
		s.PrinterAddr.SetPlaceHolder("/dev/usb/lp0")
		s.PrinterAddr.Enable()
	case devconf.KindSystem:
		s.setAddrOptions(s.sysPrn)
		s.PrinterAddr.SetPlaceHolder("选择系统打印机，如 XP-80C")
		s.PrinterAddr.Enable()
		s.PrinterBaud.Disable()
	default:
		s.setAddrOptions(nil)
		s.PrinterAddr.SetPlaceHolder("不需要地址")
		s.PrinterAddr.Disable()
		s.PrinterBaud.Disable()
	}
}

func (s *DeviceSettings) portNames() []string {
	out := make([]string, len(s.ports))
	for i, p := range s.ports {
		out[i] = p.Name
	}
	return out
}

// setAddrOptions offers opts under the printer's address.
func (s *DeviceSettings) setAddrOptions(opts []string) {
	s.addrOpt = opts
	s.PrinterAddr.SetOptions(opts)
}

// a4Default is the A4 choice meaning "the system's default printer".
func a4Default(name string) string {
	if name == "" {
		return "系统默认打印机"
	}
	return "系统默认打印机（" + name + "）"
}

// a4Choice is the selected A4 printer's name, "" for the default.
func (s *DeviceSettings) a4Choice() string {
	if sel := s.A4Printer.Selected; sel != "" && sel != a4Default(s.sysDef) && sel != a4Default("") {
		return sel
	}
	return ""
}

// fillA4 offers the system's printers for A4 documents, keeping the choice.
func (s *DeviceSettings) fillA4() {
	opts := append([]string{a4Default(s.sysDef)}, s.sysPrn...)
	want := a4Default(s.sysDef)
	if s.a4 != "" {
		want = s.a4
		found := false
		for _, o := range s.sysPrn {
			found = found || o == s.a4
		}
		if !found {
			opts = append(opts, s.a4) // not installed (any more): still shown, as saved
		}
	}
	s.A4Printer.SetOptions(opts)
	s.A4Printer.SetSelected(want)
}

// refreshPrinters lists the system's printers into the receipt printer's
// address (kind 系统打印机) and the A4 choice.
func (s *DeviceSettings) refreshPrinters() {
	type list struct {
		names []string
		def   string
	}
	Run(s.env, func(ctx context.Context) (list, error) {
		names, def, err := s.be.SystemPrinters(ctx)
		return list{names, def}, err
	}, func(l list, err error) {
		choice := s.a4Choice() // read against the labels shown now
		if err != nil {
			s.env.log().Info("system printers not listed", "err", err)
			s.sysPrn, s.sysDef = nil, ""
		} else {
			s.sysPrn, s.sysDef = l.names, l.def
		}
		s.a4 = choice
		s.fillA4()
		if devCodeOf(printerKinds, s.PrinterKind.Selected) == devconf.KindSystem {
			s.setAddrOptions(s.sysPrn)
		}
	})
}

// refreshPorts lists the serial ports into both port fields.
func (s *DeviceSettings) refreshPorts() {
	ports, err := s.be.Ports()
	if err != nil {
		s.PortsMsg.SetText(app.UserMessage(err))
		s.PortsMsg.Importance = widget.DangerImportance
		s.PortsMsg.Refresh()
		return
	}
	s.ports = ports
	s.KeypadPort.SetOptions(s.portNames())
	s.ReaderPort.SetOptions(s.portNames())
	if devCodeOf(printerKinds, s.PrinterKind.Selected) == devconf.KindSerial {
		s.setAddrOptions(s.portNames())
	}
	s.PortsMsg.Importance = widget.MediumImportance
	if len(ports) == 0 {
		s.PortsMsg.SetText("本机没有找到串口。请检查 USB 转串口线是否插好、驱动（如 CH340）是否已安装，然后点“刷新串口列表”。")
		return
	}
	names := make([]string, len(ports))
	for i, p := range ports {
		names[i] = p.Name
		if p.Label != "" {
			names[i] += "（" + p.Label + "）"
		}
	}
	s.PortsMsg.SetText(fmt.Sprintf("找到 %d 个串口：%s", len(ports), strings.Join(names, "，")))
}

// refreshStatus redraws the status lines.
func (s *DeviceSettings) refreshStatus() { s.showStatus(s.be.Status()) }

// showStatus puts the devices' status lines on screen.
func (s *DeviceSettings) showStatus(st []devconf.Status) {
	for len(s.StatusLines) < len(st) {
		l := devWrapLabel()
		s.StatusLines = append(s.StatusLines, l)
		s.statusC.Add(l)
	}
	for i, l := range s.StatusLines {
		if i >= len(st) {
			l.Hide()
			continue
		}
		imp := widget.MediumImportance
		switch st[i].State {
		case devconf.StateConnected:
			imp = widget.SuccessImportance
		case devconf.StateError:
			imp = widget.DangerImportance
		case devconf.StateReconnecting, devconf.StateConnecting:
			imp = widget.WarningImportance
		}
		text := st[i].String()
		if l.Text != text || l.Importance != imp {
			l.Importance = imp
			l.SetText(text)
		}
		l.Show()
	}
}

func (s *DeviceSettings) startRefresh(every time.Duration) {
	s.stop = Every(every, s.be.Status, s.showStatus)
}

// Stop ends the status refresh (leaving the screen does it).
func (s *DeviceSettings) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

func (s *DeviceSettings) say(l *widget.Label, text string, err error) {
	if err != nil {
		l.Importance = widget.DangerImportance
		text = app.UserMessage(err)
	} else {
		l.Importance = widget.SuccessImportance
	}
	l.SetText(text)
}

func (s *DeviceSettings) testKeypad() {
	k := s.form().Keypad
	s.TestKeypad.Disable()
	s.KeypadMsg.Importance = widget.MediumImportance
	s.KeypadMsg.SetText("正在测试评价器…")
	Run(s.env, func(ctx context.Context) (string, error) { return s.be.TestKeypad(ctx, k) },
		func(msg string, err error) {
			s.TestKeypad.Enable()
			if err != nil {
				s.env.log().Info("keypad test failed", "port", k.Port, "err", err)
			}
			s.say(s.KeypadMsg, msg, err)
			s.refreshStatus()
		})
}

func (s *DeviceSettings) testPrinter() {
	p := s.form().Printer
	s.TestPrinter.Disable()
	s.PrinterMsg.Importance = widget.MediumImportance
	s.PrinterMsg.SetText("正在打印测试页…")
	Run(s.env, func(ctx context.Context) (string, error) { return s.be.TestPrinter(ctx, p) },
		func(msg string, err error) {
			s.TestPrinter.Enable()
			if err != nil {
				s.env.log().Info("printer test failed", "kind", p.Kind, "address", p.Address, "err", err)
			}
			s.say(s.PrinterMsg, msg, err)
			s.refreshStatus()
		})
}

func (s *DeviceSettings) testReader() {
	s.TestReader.Disable()
	s.ReaderMsg.Importance = widget.MediumImportance
	s.ReaderMsg.SetText("正在测试读卡器…")
	Run(s.env, func(ctx context.Context) (string, error) { return s.be.TestIDReader(ctx) },
		func(msg string, err error) {
			s.TestReader.Enable()
			if err != nil {
				s.env.log().Info("id reader test failed", "err", err)
			}
			s.say(s.ReaderMsg, msg, err)
			s.refreshStatus()
		})
}

// previewWidth is how wide the receipt is drawn: about the paper's size on
// a hall PC's screen.
const previewWidth = 300

func (s *DeviceSettings) preview() {
	p := s.form().Printer
	s.PreviewBtn.Disable()
	Run(s.env, func(ctx context.Context) (image.Image, error) { return s.be.Preview(ctx, p) },
		func(img image.Image, err error) {
			s.PreviewBtn.Enable()
			if err != nil {
				s.say(s.PrinterMsg, "", err)
				return
			}
			b := img.Bounds()
			s.Preview.Image = img
			s.Preview.SetMinSize(fyne.NewSize(previewWidth, float32(previewWidth*b.Dy()/max(b.Dx(), 1))))
			s.Preview.Refresh()
			qr := "打印机自带二维码"
			if p.QR == devconf.QRRaster {
				qr = "图片二维码"
			}
			s.PreviewNote.SetText(fmt.Sprintf("示例办件回执（%d毫米纸，%s），与打印机收到的内容一致。", p.Paper, qr))
		})
}

func (s *DeviceSettings) save() {
	c := s.form()
	s.Save.Disable()
	s.SaveMsg.Importance = widget.MediumImportance
	s.SaveMsg.SetText("正在保存…")
	Run(s.env, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.be.Save(ctx, c) },
		func(_ struct{}, err error) {
			s.Save.Enable()
			if err != nil {
				s.env.log().Info("device settings not saved", "err", err)
			}
			s.say(s.SaveMsg, "设置已保存，设备已按新设置重新连接。", err)
			s.refreshStatus()
		})
}
