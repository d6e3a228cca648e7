package devices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"bianmin/devices/idcard"
	"bianmin/devices/serialport"
)

// IDReaderConfig configures the window's 二代身份证 reader (SAM serial
// protocol, package idcard).
type IDReaderConfig struct {
	Enabled bool
	Port    string // COM4, /dev/ttyUSB1
	Baud    int    // default 115200
}

// IDReader keeps the reader connected and polls it for a card; each card
// placed is handed to OnCard once (until it is lifted). One goroutine: the
// protocol is one command at a time.
type IDReader struct {
	Cfg IDReaderConfig
	Log *slog.Logger
	// OnCard gets each card placed (device goroutine); OnError a Chinese
	// message when a card was there but could not be read.
	OnCard   func(idcard.Card)
	OnError  func(msg string)
	OnStatus func(Status)
	// Poll is the wait between looks for a card (default 300 ms).
	Poll time.Duration
	// MaxBackoff caps the wait between reconnection attempts (default 10 s).
	MaxBackoff time.Duration

	mu     sync.Mutex
	status Status
	test   chan chan testResult
}

type testResult struct {
	msg string
	err error
}

// Status returns the current status.
func (r *IDReader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

func (r *IDReader) setStatus(st State, msg, cause string) {
	r.mu.Lock()
	changed := r.status.State != st || r.status.Message != msg || r.status.Cause != cause
	r.status = Status{State: st, Message: msg, Cause: cause, Since: time.Now()}
	s := r.status
	r.mu.Unlock()
	if changed && r.OnStatus != nil {
		r.OnStatus(s)
	}
}

func (r *IDReader) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// Run keeps the reader connected until ctx ends.
func (r *IDReader) Run(ctx context.Context) {
	r.mu.Lock()
	if r.test == nil {
		r.test = make(chan chan testResult)
	}
	r.mu.Unlock()
	if !r.Cfg.Enabled {
		r.setStatus(StateDisabled, "读卡器未启用", "")
		return
	}
	maxB := r.MaxBackoff
	if maxB == 0 {
		maxB = 10 * time.Second
	}
	baud := r.Cfg.Baud
	if baud == 0 {
		baud = 115200
	}
	backoff := 200 * time.Millisecond
	r.setStatus(StateConnecting, "正在连接读卡器（"+r.Cfg.Port+"）", "")
	for ctx.Err() == nil {
		port, err := serialport.Open(serialport.Config{Name: r.Cfg.Port, Baud: baud, ReadTimeout: 50 * time.Millisecond})
		if err != nil {
			r.log().Warn("id reader open failed", "port", r.Cfg.Port, "err", err)
			r.setStatus(StateReconnecting, "无法打开读卡器串口 "+r.Cfg.Port, PortError(r.Cfg.Port, err))
		} else {
			err = r.serve(ctx, port)
			port.Close()
			if ctx.Err() != nil {
				break
			}
			if err == nil {
				backoff = 200 * time.Millisecond
			}
			r.log().Warn("id reader disconnected", "port", r.Cfg.Port, "err", err)
			r.setStatus(StateReconnecting, "读卡器连接中断，正在重新连接（"+r.Cfg.Port+"）", readerCause(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxB)
	}
	r.setStatus(StateDisabled, "读卡器已停止", "")
}

// readerCause says in Chinese why a working link was dropped.
func readerCause(err error) string {
	switch {
	case errors.Is(err, idcard.ErrGone), errors.Is(err, idcard.ErrPort):
		return "读卡器已断开（USB 线被拔出？）"
	case errors.Is(err, idcard.ErrNoAnswer):
		return "读卡器无应答（请检查电源、连接线和波特率，一般为 115200）"
	}
	return ""
}

// serve polls one connection until it fails: a port error, or a reader that
// stopped answering (3 polls in a row), which reopens the port.
func (r *IDReader) serve(ctx context.Context, port serialport.Port) error {
	h := &idcard.Host{RW: port, NoData: serialport.NoData}
	poll := r.Poll
	if poll == 0 {
		poll = 300 * time.Millisecond
	}
	// The first answer proves a reader is there; until then the line is "connecting".
	if _, err := h.SAMID(ctx); err != nil {
		return err
	}
	r.setStatus(StateConnected, "读卡器已连接（"+r.Cfg.Port+"）", "")
	last := "" // the number of the card lying on the reader, handed on already
	silent := 0
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case reply := <-r.test:
			id, err := h.SAMID(ctx)
			if err != nil {
				reply <- testResult{err: err}
			} else {
				reply <- testResult{msg: "读卡器应答正常：安全模块号 " + id}
			}
			continue
		case <-tick.C:
		}
		c, present, err := h.ReadCard(ctx)
		switch {
		case errors.Is(err, idcard.ErrPort) || errors.Is(err, idcard.ErrGone):
			return err
		case errors.Is(err, idcard.ErrNoAnswer):
			if silent++; silent >= 3 {
				return err
			}
			continue
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		}
		silent = 0
		if err != nil {
			// A card was there but not read: pulled mid-read, a damaged card,
			// line noise. Say so once; the next poll tries again.
			r.log().Warn("id card not read", "err", err)
			if last != "failed" && r.OnError != nil {
				r.OnError(cardError(err))
			}
			last = "failed"
			continue
		}
		if !present {
			last = ""
			continue
		}
		if c.Number == last {
			continue // still lying there
		}
		last = c.Number
		r.log().Info("id card read", "sex", c.Sex, "birth_year", c.Birth[:min(4, len(c.Birth))])
		if r.OnCard != nil {
			r.OnCard(c)
		}
	}
}

// cardError is the clerk's message for a card that was there but not read.
func cardError(err error) string {
	var se *idcard.StatusError
	switch {
	case errors.As(err, &se) && se.SW3 == idcard.SWReadFail:
		return "读卡失败：身份证被移开或未放稳，请把身份证平放在读卡器上重新读取"
	case errors.As(err, &se):
		return fmt.Sprintf("读卡失败（读卡器返回 %02X），请重新放卡", se.SW3)
	case errors.Is(err, idcard.ErrChecksum):
		return "读卡器数据校验错误，请重新放卡"
	case errors.Is(err, idcard.ErrText):
		return "身份证信息无法识别，请重新放卡或手工输入"
	}
	return "读卡失败，请重新放卡"
}

// ErrReaderNotConnected is returned by Test when no reader answers.
var ErrReaderNotConnected = errors.New("id reader not connected")

// Test asks the connected reader for its module number (测试读卡器).
func (r *IDReader) Test(ctx context.Context) (string, error) {
	r.mu.Lock()
	ch := r.test
	r.mu.Unlock()
	if ch == nil || r.Status().State != StateConnected {
		return "", ErrReaderNotConnected
	}
	reply := make(chan testResult, 1)
	select {
	case ch <- reply:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(3 * time.Second):
		return "", ErrReaderNotConnected
	}
	select {
	case res := <-reply:
		return res.msg, res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
