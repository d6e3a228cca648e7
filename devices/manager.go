package devices

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"sync"
	"syscall"
	"time"

	"bianmin/devices/keypad"
	"bianmin/devices/serialport"
)

// State of a device for the UI.
type State string

// States.
const (
	StateDisabled     State = "disabled"
	StateConnecting   State = "connecting"
	StateConnected    State = "connected"
	StateReconnecting State = "reconnecting"
)

// Status is what the screens show about a device.
type Status struct {
	State   State
	Message string // Chinese
	// Cause, when the port could not be opened, says why in Chinese
	// (串口不存在, 没有权限, 被占用); empty after a drop of a working link.
	Cause string
	Since time.Time
}

// KeypadConfig configures one window's keypad.
type KeypadConfig struct {
	Enabled bool
	Port    string // COM3, /dev/ttyUSB0
	Baud    int
	Mode    string // "ascii" or "frame"
	Addr    byte   // frame mode: 1–247
	KeyMap  string // ascii mode: five characters for 1..5 stars, default "12345"
	Timeout byte   // seconds the keypad waits for a rating (frame mode), default 60
}

// Keypad runs one keypad: it opens the port, reconnects with backoff after an
// unplug, and hands readings to its Station.
type Keypad struct {
	Cfg      KeypadConfig
	Station  *Station
	Log      *slog.Logger
	OnStatus func(Status)
	// MaxBackoff caps the wait between reconnection attempts (default 10 s).
	MaxBackoff time.Duration

	mu     sync.Mutex
	host   *keypad.FrameHost
	status Status
}

// Status returns the current status.
func (k *Keypad) Status() Status {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.status
}

func (k *Keypad) setStatus(st State, msg string) { k.setStatusCause(st, msg, "") }

func (k *Keypad) setStatusCause(st State, msg, cause string) {
	k.mu.Lock()
	k.status = Status{State: st, Message: msg, Cause: cause, Since: time.Now()}
	s := k.status
	k.mu.Unlock()
	if k.OnStatus != nil {
		k.OnStatus(s)
	}
}

func (k *Keypad) log() *slog.Logger {
	if k.Log == nil {
		return slog.Default()
	}
	return k.Log
}

// Run keeps the keypad connected until ctx ends.
func (k *Keypad) Run(ctx context.Context) {
	if !k.Cfg.Enabled {
		k.setStatus(StateDisabled, "评价器未启用")
		return
	}
	maxB := k.MaxBackoff
	if maxB == 0 {
		maxB = 10 * time.Second
	}
	backoff := 200 * time.Millisecond
	k.setStatus(StateConnecting, "正在连接评价器（"+k.Cfg.Port+"）")
	for ctx.Err() == nil {
		port, err := serialport.Open(serialport.Config{Name: k.Cfg.Port, Baud: k.Cfg.Baud, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			k.log().Warn("keypad open failed", "port", k.Cfg.Port, "err", err)
			k.setStatusCause(StateReconnecting, fmt.Sprintf("无法打开评价器串口 %s，%s后重试（请检查连接线）", k.Cfg.Port, backoff.Round(100*time.Millisecond)),
				PortError(k.Cfg.Port, err))
		} else {
			backoff = 200 * time.Millisecond
			k.setStatus(StateConnected, "评价器已连接（"+k.Cfg.Port+"）")
			err = k.serve(ctx, port)
			port.Close()
			k.mu.Lock()
			k.host = nil
			k.mu.Unlock()
			if ctx.Err() != nil {
				break
			}
			k.log().Warn("keypad disconnected", "port", k.Cfg.Port, "err", err)
			k.setStatus(StateReconnecting, "评价器连接中断，正在重新连接（"+k.Cfg.Port+"）")
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxB)
	}
	k.setStatus(StateDisabled, "评价器已停止")
}

// serve runs one connection until the port fails.
func (k *Keypad) serve(ctx context.Context, port serialport.Port) error {
	if k.Cfg.Mode == "ascii" {
		return k.serveASCII(ctx, port)
	}
	addr := k.Cfg.Addr
	if addr == 0 {
		addr = 1
	}
	h := keypad.NewFrameHost(port, addr, k.Log)
	k.mu.Lock()
	k.host = h
	k.mu.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.Run(cctx, serialport.NoData) }()
	// A connection that was pending a rating before the unplug asks again.
	if p := k.Station.PendingTx(); p != nil {
		go func() { _ = k.start(h, *p) }()
	}
	for {
		select {
		case err := <-done:
			return err
		case r := <-h.Readings:
			k.Station.HandleReading(ctx, r)
		}
	}
}

func (k *Keypad) serveASCII(ctx context.Context, port serialport.Port) error {
	m := keypad.DefaultKeyMap()
	if k.Cfg.KeyMap != "" {
		var err error
		if m, err = keypad.ParseKeyMap(k.Cfg.KeyMap); err != nil {
			return err
		}
	}
	dec := &keypad.ASCIIDecoder{Map: m}
	buf := make([]byte, 64)
	eofs := 0
	for ctx.Err() == nil {
		n, err := port.Read(buf)
		if n == 0 {
			if serialport.NoData(n, err) {
				eofs++
				if err != nil && eofs > 50 && k.instantEOFs(port) {
					return errors.New("keypad: device vanished")
				}
				continue
			}
			return err
		}
		eofs = 0
		k.Station.HandleASCII(ctx, dec.Feed(buf[:n]))
	}
	return ctx.Err()
}

// instantEOFs tells a vanished device (EOF at once) from an idle one (EOF after
// the read timeout): an idle ascii keypad never writes, so a write probe is not
// possible; time one more read instead.
func (k *Keypad) instantEOFs(port serialport.Port) bool {
	start := time.Now()
	_, _ = port.Read(make([]byte, 1))
	return time.Since(start) < 20*time.Millisecond
}

// ErrNotConnected is returned when the keypad is not connected.
var ErrNotConnected = errors.New("keypad not connected")

// StartRating asks the keypad to rate p: the station remembers it (so an
// ascii keypad's keys and a frame keypad's RESULT find it), and a frame keypad
// is sent START_RATING showing the serial, clerk number and name (SZ 11).
func (k *Keypad) StartRating(p Pending) error {
	k.Station.SetPending(p)
	if k.Cfg.Mode == "ascii" {
		return nil
	}
	k.mu.Lock()
	h := k.host
	k.mu.Unlock()
	if h == nil {
		return ErrNotConnected // kept pending: sent when the keypad reconnects
	}
	return k.start(h, p)
}

func (k *Keypad) start(h *keypad.FrameHost, p Pending) error {
	t := k.Cfg.Timeout
	if t == 0 {
		t = 60
	}
	return h.StartRating(keypad.StartRating{TimeoutS: t, AskReasons: true, Txn: p.Serial, ClerkNo: p.ClerkNo, ClerkName: p.ClerkName})
}

// Cancel withdraws the pending rating (the clerk called the next ticket):
// the station forgets it and a frame keypad is sent CANCEL.
func (k *Keypad) Cancel() error {
	p := k.Station.PendingTx()
	k.Station.ClearPending()
	if p == nil || k.Cfg.Mode == "ascii" {
		return nil
	}
	k.mu.Lock()
	h := k.host
	k.mu.Unlock()
	if h == nil {
		return nil
	}
	return h.Cancel(p.Serial)
}

// PortError says in Chinese why a serial port did not open.
func PortError(port string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "无法打开串口 " + port + "：找不到该串口（设备未插好，或串口名称不对）"
	case errors.Is(err, fs.ErrPermission) && runtime.GOOS == "windows":
		// Windows refuses a COM port another program holds with "access denied".
		return "无法打开串口 " + port + "：串口被其他程序占用（如厂家的评价器软件），请先关闭它"
	case errors.Is(err, fs.ErrPermission):
		return "无法打开串口 " + port + "：没有权限（需把当前用户加入 dialout 组）"
	case errors.Is(err, syscall.EBUSY):
		return "无法打开串口 " + port + "：串口被其他程序占用"
	}
	return "无法打开串口 " + port + "：" + err.Error()
}

// Test proves the keypad answers (the settings screen's 测试 button).
func (k *Keypad) Test() (string, error) {
	if k.Cfg.Mode == "ascii" {
		if k.Status().State == StateConnected {
			return "串口已打开。请在评价器上按任意键，按键会记录在日志中。", nil
		}
		return "", ErrNotConnected
	}
	k.mu.Lock()
	h := k.host
	k.mu.Unlock()
	if h == nil {
		return "", ErrNotConnected
	}
	model, fw, err := h.Ping(time.Second)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("评价器应答正常：型号 %s，固件 %s", model, fw), nil
}
