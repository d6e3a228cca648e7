package devices

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"bianmin/app"
	"bianmin/devices/escpos"
	"bianmin/devices/serialport"
	"bianmin/printing/sysprint"
)

// PrinterConfig configures a receipt or ticket printer.
type PrinterConfig struct {
	Enabled bool
	Conn    string // "serial", "tcp" (raw port 9100), "file" (/dev/usb/lp0) or "system" (a spooler's printer)
	Address string // COM3 / /dev/ttyUSB0, 192.168.1.50:9100, /dev/usb/lp0
	Baud    int
	Profile escpos.Profile
}

// PrintError is a printer problem the clerk must act on (paper, cover), in Chinese.
type PrintError struct {
	Msg    string
	Status escpos.Status
}

func (e *PrintError) Error() string { return "printer: " + e.Msg }

// ErrPrinterDisabled is returned when printing to a disabled printer.
var ErrPrinterDisabled = errors.New("printer disabled")

// Printer sends jobs to one printer, checking its status before each job so
// that paper-out and cover-open reach the clerk instead of a silent loss.
type Printer struct {
	Cfg PrinterConfig
	Log *slog.Logger
	// Dial is for tests; nil uses the configured connection.
	Dial func(ctx context.Context) (conn, error)
}

// conn is an open printer connection.
type conn interface {
	io.ReadWriteCloser
	// statusCapable reports whether the connection can read replies.
	statusCapable() bool
}

type netConn struct{ net.Conn }

func (c netConn) statusCapable() bool { return true }
func (c netConn) Read(b []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	return c.Conn.Read(b)
}

type serialConn struct{ serialport.Port }

func (serialConn) statusCapable() bool { return true }

// spoolConn collects a job for the system's spooler (a Windows or CUPS
// printer), which takes whole jobs and answers no DLE EOT; Flush submits it.
type spoolConn struct {
	name string
	buf  bytes.Buffer
}

func (c *spoolConn) statusCapable() bool         { return false }
func (c *spoolConn) Read([]byte) (int, error)    { return 0, io.EOF }
func (c *spoolConn) Write(b []byte) (int, error) { return c.buf.Write(b) }
func (c *spoolConn) Close() error                { return nil }
func (c *spoolConn) flush(ctx context.Context) error {
	if c.buf.Len() == 0 {
		return nil
	}
	defer c.buf.Reset()
	return sysprint.PrintRaw(ctx, c.name, "bianmin 回执", c.buf.Bytes())
}

type fileConn struct{ *os.File }

func (fileConn) statusCapable() bool { return false } // the USB printer class device gives no DLE EOT replies

func (p *Printer) open(ctx context.Context) (conn, error) {
	if p.Dial != nil {
		return p.Dial(ctx)
	}
	switch p.Cfg.Conn {
	case "tcp":
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, "tcp", p.Cfg.Address)
		if err != nil {
			return nil, err
		}
		return netConn{c}, nil
	case "serial":
		sp, err := serialport.Open(serialport.Config{Name: p.Cfg.Address, Baud: p.Cfg.Baud, ReadTimeout: 200 * time.Millisecond})
		if err != nil {
			return nil, err
		}
		return serialConn{sp}, nil
	case "file":
		f, err := os.OpenFile(p.Cfg.Address, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return fileConn{f}, nil
	case "system":
		return &spoolConn{name: p.Cfg.Address}, nil
	}
	return nil, fmt.Errorf("printer: unknown connection %q", p.Cfg.Conn)
}

func (p *Printer) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// Status asks the printer for its state (DLE EOT 1, 2, 4).
func (p *Printer) Status(ctx context.Context) (escpos.Status, error) {
	if !p.Cfg.Enabled {
		return escpos.Status{}, ErrPrinterDisabled
	}
	if p.Cfg.Conn == "system" && p.Dial == nil {
		// The spooler answers no DLE EOT: the printer is ready when it is installed.
		names, err := sysprint.Printers(ctx)
		if err != nil {
			p.log().Warn("system printers not listed", "err", err)
			return escpos.Status{}, &PrintError{Msg: "无法读取系统打印机列表：" + app.UserMessage(sysprintErr(err))}
		}
		for _, n := range names {
			if n == p.Cfg.Address {
				return escpos.Status{}, nil
			}
		}
		return escpos.Status{}, &PrintError{Msg: fmt.Sprintf("找不到系统打印机“%s”，请在设备设置里重新选择", p.Cfg.Address)}
	}
	c, err := p.open(ctx)
	if err != nil {
		return escpos.Status{}, p.unreachable(err)
	}
	defer c.Close()
	return queryStatus(c)
}

func queryStatus(c conn) (escpos.Status, error) {
	var st escpos.Status
	if !c.statusCapable() {
		return st, nil
	}
	buf := make([]byte, 16)
	for _, q := range [][]byte{escpos.QueryPrinter, escpos.QueryCover, escpos.QueryPaper} {
		if _, err := c.Write(q); err != nil {
			return st, err
		}
		var got []byte
		// The reply comes at once from a live printer; allow for a loaded PC.
		deadline := time.Now().Add(2 * time.Second)
		var b byte
		ok := false
		for !ok && time.Now().Before(deadline) {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			b, ok = escpos.StatusReply(got)
			if err != nil && n == 0 && !serialport.NoData(n, err) && !isTimeout(err) {
				return st, err
			}
		}
		if !ok {
			return st, errors.New("printer: no status reply (DLE EOT)")
		}
		if err := st.ApplyReply(q[2], b); err != nil {
			return st, err
		}
	}
	return st, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (p *Printer) unreachable(err error) error {
	p.log().Warn("printer unreachable", "conn", p.Cfg.Conn, "address", p.Cfg.Address, "err", err)
	return &PrintError{Msg: fmt.Sprintf("无法连接打印机（%s），请检查电源、连接线或网络", p.Cfg.Address)}
}

// Print checks the status, then sends the job. A problem the clerk can fix
// comes back as *PrintError with a Chinese message; nothing is sent then.
func (p *Printer) Print(ctx context.Context, job []byte) error {
	if !p.Cfg.Enabled {
		return ErrPrinterDisabled
	}
	c, err := p.open(ctx)
	if err != nil {
		return p.unreachable(err)
	}
	defer c.Close()
	st, err := queryStatus(c)
	if err != nil {
		p.log().Warn("printer status failed", "err", err)
		return &PrintError{Msg: "打印机无应答，请检查打印机是否开机"}
	}
	if !st.OK() {
		p.log().Info("printer not ready", "status", fmt.Sprintf("%+v", st))
		return &PrintError{Msg: st.Message(), Status: st}
	}
	if st.PaperLow {
		p.log().Info("printer paper low")
	}
	if _, err := c.Write(job); err != nil {
		p.log().Warn("printer write failed", "err", err)
		return &PrintError{Msg: "打印中断，请检查打印机后重新打印"}
	}
	if s, ok := c.(*spoolConn); ok {
		if err := s.flush(ctx); err != nil {
			p.log().Warn("system printer refused the job", "printer", s.name, "err", err)
			return &PrintError{Msg: app.UserMessage(err)}
		}
	}
	return nil
}

// sysprintErr says "no spooler" in Chinese.
func sysprintErr(err error) error {
	if errors.Is(err, sysprint.ErrNoSpooler) {
		return &app.UserError{Code: "no_spooler", Msg: "本机没有安装打印服务（CUPS）", Err: err}
	}
	return err
}
