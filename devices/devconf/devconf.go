// Package devconf is one window PC's device configuration — which rating
// keypad and which receipt printer it drives, and whether simulators stand in
// for the missing ones — with its validation (Chinese messages) and its JSON
// file. It does no device I/O, so the settings screen can use these types
// without importing anything that opens a port.
//
// The file lives next to the database (devices.json), not in the database's
// settings table: port names (COM3, /dev/ttyUSB0) belong to one PC's hardware
// and must not travel with a backup restored on another PC or with the
// centre's configuration replicated to the other windows; and a technician
// can fix a wrong port in Notepad when the program will not start.
package devconf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"bianmin/app"
)

// FileName is the configuration file's name, in the database's folder.
const FileName = "devices.json"

// PathFor returns the configuration file that goes with a database file.
func PathFor(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), FileName) }

// Config is one window PC's devices.
type Config struct {
	Keypad   Keypad   `json:"keypad"`
	Printer  Printer  `json:"printer"`
	IDReader IDReader `json:"id_reader"`
	// A4Printer is the system printer that A4 documents (the monthly report,
	// work orders, forms, call lists) go to; "" is the system's default.
	A4Printer string `json:"a4_printer"`
	// Simulate: on Linux, a device that is enabled but names no port (keypad)
	// or no connection (printer kind "none") is simulated in-process on a
	// pseudo-terminal, so a newcomer sees ratings arrive and receipts print.
	Simulate bool `json:"simulate"`
}

// Keypad is the rating keypad (评价器).
type Keypad struct {
	Enabled  bool   `json:"enabled"`
	Port     string `json:"port"`      // COM3, /dev/ttyUSB0; "" = none configured
	Mode     string `json:"mode"`      // "frame" (BMK/1, with a display) or "ascii"
	Baud     int    `json:"baud"`      // default 9600
	Addr     int    `json:"addr"`      // frame mode: 1–247
	KeyMap   string `json:"key_map"`   // ascii mode: the bytes sent for 1..5 stars, "12345" or "54321"
	TimeoutS int    `json:"timeout_s"` // frame mode: how long the keypad waits for a rating, 10–255 s
}

// IDReader is the 二代身份证 reader (SAM serial protocol). Readers that
// only come with a vendor DLL (termb.dll, sdtapi.dll) are not supported.
type IDReader struct {
	Enabled bool   `json:"enabled"`
	Port    string `json:"port"` // COM4, /dev/ttyUSB1; "" = none configured
	Baud    int    `json:"baud"` // default 115200
}

// Validate checks the reader settings.
func (r IDReader) Validate() error {
	if !r.Enabled {
		return nil
	}
	if r.Baud != 0 && !validBaud(r.Baud) {
		return bad("bad_baud", "读卡器波特率 %d 无效，一般为 115200", r.Baud)
	}
	if strings.ContainsAny(r.Port, "\r\n\t") {
		return bad("bad_port", "读卡器串口名称无效")
	}
	return nil
}

// IDReaderConfigured reports whether a real reader is named.
func (c Config) IDReaderConfigured() bool { return strings.TrimSpace(c.IDReader.Port) != "" }

// Printer is the receipt (or ticket) printer.
type Printer struct {
	Enabled bool   `json:"enabled"`
	Kind    string `json:"kind"`    // "serial", "tcp" (raw port 9100), "file" (/dev/usb/lp0), "system" or "none"
	Address string `json:"address"` // COM3, 192.168.1.50:9100, /dev/usb/lp0, or the system printer's name
	Baud    int    `json:"baud"`    // serial: default 9600
	Paper   int    `json:"paper"`   // 58 or 80 (mm)
	QR      string `json:"qr"`      // "native" (GS ( k) or "raster" (image, for printers without QR)
	Cut     string `json:"cut"`     // "full", "partial", "feed" or "none"
}

// Mode, kind and QR values.
const (
	ModeFrame = "frame"
	ModeASCII = "ascii"

	KindSerial = "serial"
	KindTCP    = "tcp"
	KindFile   = "file"
	KindSystem = "system" // a printer installed in Windows or CUPS: ESC/POS sent as a raw job
	KindNone   = "none"

	QRNative = "native"
	QRRaster = "raster"
)

// Bauds are the speeds offered on the settings screen.
var Bauds = []int{2400, 4800, 9600, 19200, 38400, 57600, 115200}

// Default is the configuration of a PC that has none saved: both devices
// enabled, none configured, simulators on.
func Default() Config {
	return Config{
		Keypad:   Keypad{Enabled: true, Mode: ModeFrame, Baud: 9600, Addr: 1, KeyMap: "12345", TimeoutS: 60},
		Printer:  Printer{Enabled: true, Kind: KindNone, Baud: 9600, Paper: 80, QR: QRNative, Cut: "feed"},
		IDReader: IDReader{Enabled: true, Baud: 115200},
		Simulate: true,
	}
}

// KeypadConfigured reports whether a real keypad is named.
func (c Config) KeypadConfigured() bool { return strings.TrimSpace(c.Keypad.Port) != "" }

// PrinterConfigured reports whether a real printer is named.
func (c Config) PrinterConfigured() bool { return c.Printer.Kind != "" && c.Printer.Kind != KindNone }

func bad(code app.Code, msg string, args ...any) error {
	return &app.UserError{Code: code, Msg: fmt.Sprintf(msg, args...)}
}

// Validate checks a configuration as the settings screen entered it.
func (c Config) Validate() error {
	if err := c.Keypad.Validate(); err != nil {
		return err
	}
	if err := c.IDReader.Validate(); err != nil {
		return err
	}
	if strings.ContainsAny(c.A4Printer, "\r\n\t") {
		return bad("bad_printer_name", "A4 打印机名称无效")
	}
	return c.Printer.Validate()
}

// Validate checks the keypad settings.
func (k Keypad) Validate() error {
	if !k.Enabled {
		return nil
	}
	switch k.Mode {
	case ModeFrame, ModeASCII:
	default:
		return bad("bad_keypad_mode", "评价器协议应为 frame（带显示屏）或 ascii（单字节按键），不能是“%s”", k.Mode)
	}
	if k.Baud != 0 && !validBaud(k.Baud) {
		return bad("bad_baud", "评价器波特率 %d 无效，常用 9600", k.Baud)
	}
	if k.Mode == ModeFrame {
		if k.Addr < 1 || k.Addr > 247 {
			return bad("bad_keypad_addr", "评价器地址应在 1 至 247 之间（一般为 1）")
		}
		if k.TimeoutS != 0 && (k.TimeoutS < 10 || k.TimeoutS > 255) {
			return bad("bad_keypad_timeout", "评价等待时间应在 10 至 255 秒之间")
		}
	}
	if k.Mode == ModeASCII && k.KeyMap != "" {
		if err := validKeyMap(k.KeyMap); err != nil {
			return err
		}
	}
	if strings.ContainsAny(k.Port, "\r\n\t") {
		return bad("bad_port", "评价器串口名称无效")
	}
	return nil
}

func validKeyMap(m string) error {
	if len(m) != 5 {
		return bad("bad_key_map", "按键映射应为 5 个字符，依次对应 1 至 5 星，例如 12345 或 54321")
	}
	seen := map[byte]bool{}
	for i := 0; i < 5; i++ {
		c := m[i]
		if c >= 'A' && c <= 'H' {
			return bad("bad_key_map", "按键映射不能使用原因键 %c（A–H 是差评原因键）", c)
		}
		if c < 0x21 || c > 0x7E {
			return bad("bad_key_map", "按键映射只能使用可见的英文字符或数字")
		}
		if seen[c] {
			return bad("bad_key_map", "按键映射中 %c 重复出现", c)
		}
		seen[c] = true
	}
	return nil
}

func validBaud(b int) bool {
	for _, v := range Bauds {
		if v == b {
			return true
		}
	}
	return false
}

// Validate checks the printer settings.
func (p Printer) Validate() error {
	if !p.Enabled {
		return nil
	}
	addr := strings.TrimSpace(p.Address)
	switch p.Kind {
	case KindNone, "":
	case KindSerial:
		if addr == "" {
			return bad("printer_no_port", "请选择打印机所接的串口（如 COM3 或 /dev/ttyUSB0）")
		}
		if p.Baud != 0 && !validBaud(p.Baud) {
			return bad("bad_baud", "打印机波特率 %d 无效，常用 9600 或 115200", p.Baud)
		}
	case KindTCP:
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" {
			return bad("printer_bad_address", "网络打印机地址应写成 IP:端口，例如 192.168.1.50:9100")
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("printer_bad_address", "网络打印机端口 %s 无效（一般为 9100）", port)
		}
	case KindFile:
		if addr == "" {
			return bad("printer_no_file", "请填写打印机设备文件，例如 /dev/usb/lp0")
		}
	case KindSystem:
		if addr == "" {
			return bad("printer_no_name", "请选择系统打印机（在 Windows 的“打印机和扫描仪”或 CUPS 里安装的小票打印机）")
		}
	default:
		return bad("printer_bad_kind", "打印机连接方式“%s”无效", p.Kind)
	}
	if p.Paper != 58 && p.Paper != 80 {
		return bad("printer_bad_paper", "纸宽应为 58 或 80 毫米")
	}
	switch p.QR {
	case QRNative, QRRaster, "":
	default:
		return bad("printer_bad_qr", "二维码方式应为 native（打印机自带）或 raster（图片）")
	}
	switch p.Cut {
	case "full", "partial", "feed", "none", "":
	default:
		return bad("printer_bad_cut", "切纸方式“%s”无效", p.Cut)
	}
	return nil
}

// Load reads the configuration file; a missing file is the default. Fields
// the file leaves out keep their defaults.
func Load(path string) (Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, &app.UserError{Code: "devices_config_unreadable", Msg: "无法读取设备配置文件 " + path, Err: err}
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Default(), &app.UserError{Code: "devices_config_bad", Msg: "设备配置文件 " + path + " 格式有误，已按默认设置启动；请在“设备设置”中重新保存",
			Err: err}
	}
	return c, nil
}

// Save validates c and writes it atomically (a power cut leaves the old file
// or the new one, never half of one).
func Save(path string, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.Keypad.Port = strings.TrimSpace(c.Keypad.Port)
	c.Printer.Address = strings.TrimSpace(c.Printer.Address)
	c.IDReader.Port = strings.TrimSpace(c.IDReader.Port)
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".devices-*.json")
	if err != nil {
		return &app.UserError{Code: "devices_config_unwritable", Msg: "无法保存设备配置（" + filepath.Dir(path) + " 不可写）", Err: err}
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return &app.UserError{Code: "devices_config_unwritable", Msg: "无法保存设备配置文件 " + path, Err: err}
	}
	return nil
}

// Port is a serial port found on the machine.
type Port struct {
	Name  string // what to open: COM3, /dev/ttyUSB0
	Label string // the driver's or udev's name, may be empty
}

// State of a device, for the screens.
type State string

// States.
const (
	StateConnected    State = "connected"
	StateConnecting   State = "connecting"
	StateReconnecting State = "reconnecting"
	StateError        State = "error"
	StateDisabled     State = "disabled"
	StateNone         State = "none" // not configured
)

// Status is one status line about a device.
type Status struct {
	Device    string // 评价器 / 打印机
	State     State
	Text      string // Chinese: 已连接（COM3）, 正在重连…, 错误：打印机缺纸…
	Simulated bool
	// Preview is, for a simulated printer, the preview PNG of its last job.
	Preview string
	// Warn is a warning while it works (打印纸即将用完), for Short.
	Warn string
}

// String is the line shown in 设备设置: "评价器：已连接（COM3）".
func (s Status) String() string { return s.Device + "：" + s.Text }

// Short is the counter bar's word for it, without ports or paths (设备设置
// has them): "评价器正常", "打印机正常（模拟），打印纸即将用完"; an error in
// full, since the clerk must act on it.
func (s Status) Short() string {
	var w string
	switch s.State {
	case StateConnected:
		w = "正常"
		if s.Simulated {
			w += "（模拟）"
		}
		if s.Warn != "" {
			w += "，" + s.Warn
		}
	case StateConnecting:
		w = "正在连接"
	case StateReconnecting:
		w = "连接中断，正在重连"
	case StateDisabled:
		w = "已停止"
	case StateNone:
		w = "未配置"
	default:
		return s.String()
	}
	return s.Device + w
}
