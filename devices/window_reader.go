package devices

import (
	"context"
	"errors"
	"time"

	"bianmin/devices/devconf"
	"bianmin/devices/idcard"
)

// OnIDCard sets what runs when a card was placed on the reader: the card, or
// nil and the Chinese reason it could not be read. It runs on a device
// goroutine: a screen hands it to its UI goroutine.
func (r *WindowRig) OnIDCard(f func(card *idcard.Card, problem string)) {
	r.mu.Lock()
	r.onCard = f
	r.mu.Unlock()
}

func (r *WindowRig) cardEvent(run *rigRun, c *idcard.Card, problem string) {
	r.mu.Lock()
	f := r.onCard
	live := r.cur == run
	r.mu.Unlock()
	if f != nil && live {
		f(c, problem)
	}
}

func (r *WindowRig) startReader(ctx context.Context, run *rigRun, cfg devconf.Config) {
	c := cfg.IDReader
	st := devconf.Status{Device: "读卡器"}
	if !c.Enabled {
		st.State, st.Text = devconf.StateDisabled, "已停用"
		run.idStatus = st
		return
	}
	rc := IDReaderConfig{Enabled: true, Port: c.Port, Baud: c.Baud}
	maxBackoff := 10 * time.Second
	if !cfg.IDReaderConfigured() {
		if !cfg.Simulate {
			st.State, st.Text = devconf.StateNone, "未配置（请在“设备设置”中选择读卡器串口）"
			run.idStatus = st
			return
		}
		sim, err := newSimIDReader(ctx)
		if err != nil {
			r.log.Warn("id reader simulator not started", "err", err)
			st.State, st.Text = devconf.StateNone, "未配置（"+simUnavailable(err)+"）"
			run.idStatus = st
			return
		}
		run.idSim = sim
		rc.Port, rc.Baud = sim.port.link, 115200
		maxBackoff = time.Second
	}
	run.reader = &IDReader{Cfg: rc, Log: r.log, MaxBackoff: maxBackoff,
		OnCard:   func(c idcard.Card) { r.cardEvent(run, &c, "") },
		OnError:  func(msg string) { r.cardEvent(run, nil, msg) },
		OnStatus: func(Status) { r.statusChanged(run) }}
	run.wg.Add(1)
	go func() { defer run.wg.Done(); run.reader.Run(ctx) }()
}

func (run *rigRun) readerStatus() devconf.Status {
	if run.reader == nil {
		return run.idStatus
	}
	where := run.reader.Cfg.Port
	if run.idSim != nil {
		where = "模拟读卡器"
	}
	return deviceLine("读卡器", where, run.idSim != nil, run.reader.Status())
}

// TestIDReader asks the running reader for its module number (测试读卡器);
// a simulated reader also gets a sample card placed, so the counter shows
// what a card does.
func (r *WindowRig) TestIDReader(ctx context.Context) (string, error) {
	run := r.run()
	if run == nil || run.reader == nil {
		return "", userErr("no_id_reader", "读卡器未启用或未配置", nil)
	}
	msg, err := run.reader.Test(ctx)
	if err != nil {
		if errors.Is(err, ErrReaderNotConnected) {
			return "", userErr("id_reader_offline", "读卡器未连接："+run.readerStatus().Text, err)
		}
		return "", userErr("id_reader_test_failed", "读卡器没有正确应答，请检查连接线和波特率（一般为 115200）", err)
	}
	if run.idSim != nil {
		run.idSim.Sim().Place(SampleCard)
		msg += "；已在模拟读卡器上放了一张示例身份证（王秀英），请看窗口服务的办件登记"
	}
	return msg, nil
}

// SampleCard is the simulated reader's card: a valid number (GB 11643 check
// digit) that belongs to nobody.
var SampleCard = idcard.Card{Name: "王秀英", Sex: "女", Nation: "01", Birth: "19491231",
	Number: "11010519491231002X", Expiry: "长期"}

// IDReaderSim is the simulated reader: its card and faults (Sim), and its cable.
type IDReaderSim interface {
	Sim() *idcard.Sim
	Unplug()
	Replug() error
}

// SimulatedIDReader is the simulated reader of a rig whose configuration
// names none (Linux), for trainers and tests; nil when it is real or off.
func (r *WindowRig) SimulatedIDReader() IDReaderSim {
	run := r.run()
	if run == nil || run.idSim == nil {
		return nil
	}
	return run.idSim
}
