package devconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianmin/app"
)

func TestValidateSaysWhatIsWrongInChinese(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("the default is refused: %v", err)
	}
	cases := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Keypad.Mode = "modbus" }, "评价器协议"},
		{func(c *Config) { c.Keypad.Addr = 0 }, "1 至 247"},
		{func(c *Config) { c.Keypad.Baud = 1234 }, "波特率"},
		{func(c *Config) { c.Keypad.Mode, c.Keypad.KeyMap = ModeASCII, "1234A" }, "原因键"},
		{func(c *Config) { c.Keypad.Mode, c.Keypad.KeyMap = ModeASCII, "11234" }, "重复"},
		{func(c *Config) { c.Printer.Kind = KindSerial }, "串口"},
		{func(c *Config) { c.Printer.Kind, c.Printer.Address = KindTCP, "192.168.1.50" }, "IP:端口"},
		{func(c *Config) { c.Printer.Kind, c.Printer.Address = KindTCP, "192.168.1.50:99999" }, "端口"},
		{func(c *Config) { c.Printer.Kind = KindFile }, "/dev/usb/lp0"},
		{func(c *Config) { c.Printer.Paper = 76 }, "58 或 80"},
		{func(c *Config) { c.Printer.Kind = "usb" }, "连接方式"},
	}
	for _, c := range cases {
		cfg := Default()
		c.edit(&cfg)
		err := cfg.Validate()
		if msg := app.UserMessage(err); err == nil || !strings.Contains(msg, c.want) {
			t.Errorf("%+v: %v (%q), want a message with %q", cfg, err, msg, c.want)
		}
	}
	// A disabled device is not checked: its half-typed settings can be kept.
	cfg := Default()
	cfg.Printer.Enabled, cfg.Printer.Kind = false, KindTCP
	if err := cfg.Validate(); err != nil {
		t.Errorf("a disabled printer's address was checked: %v", err)
	}
}

func TestSaveAndLoad(t *testing.T) {
	path := PathFor(filepath.Join(t.TempDir(), "centre.db"))
	if c, err := Load(path); err != nil || c != Default() {
		t.Fatalf("no file: %+v %v", c, err)
	}
	c := Default()
	c.Keypad.Port, c.Keypad.Mode, c.Keypad.KeyMap = " COM3 ", ModeASCII, "54321"
	c.Printer.Kind, c.Printer.Address, c.Printer.Paper = KindTCP, "192.168.1.50:9100", 58
	c.Simulate = false
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	c.Keypad.Port = "COM3"
	if err != nil || got != c {
		t.Fatalf("loaded %+v, %v; want %+v", got, err, c)
	}
	// A refused configuration leaves the file as it was.
	bad := c
	bad.Printer.Paper = 0
	if err := Save(path, bad); err == nil {
		t.Fatal("saved a paper width of 0")
	}
	if got, _ := Load(path); got != c {
		t.Fatalf("a refused save changed the file: %+v", got)
	}
	// A file a technician cut down keeps the defaults for what it leaves out.
	if err := os.WriteFile(path, []byte(`{"keypad":{"port":"/dev/ttyUSB0"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = Load(path)
	want := Default()
	want.Keypad.Port = "/dev/ttyUSB0"
	if err != nil || got != want {
		t.Fatalf("partial file: %+v %v", got, err)
	}
	// A broken file: the defaults, and a message saying so.
	os.WriteFile(path, []byte("{"), 0o644)
	got, err = Load(path)
	if got != Default() || !strings.Contains(app.UserMessage(err), "格式有误") {
		t.Fatalf("broken file: %+v %v", got, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".devices-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
