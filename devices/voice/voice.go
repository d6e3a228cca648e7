// Package voice announces calls in the hall ("请A零一二号，到三号窗口办理")
// through the operating system's speech engine: Windows SAPI via PowerShell,
// espeak-ng, or speech-dispatcher's spd-say. Announcements play one after
// another on a worker goroutine, so Announce never blocks the UI. Without a
// working engine the Announcer plays a two-tone chime (a WAV it generates)
// with whatever player exists, and without a player it stays silent; each
// such state is logged once and shown by Status in Chinese.
package voice

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config chooses the engine and how announcements are played. Zero values
// take the defaults noted.
type Config struct {
	// Engine: "auto" (or ""), "espeak-ng", "spd-say", "sapi", "chime" or
	// "off". Auto takes the first that exists: on Windows SAPI (Windows
	// PowerShell is always there; a missing Chinese voice shows up as a
	// failure and falls back to the chime); elsewhere espeak-ng, then
	// spd-say. espeak-ng comes first because it is run directly with an
	// explicit Mandarin voice and reports a missing voice, whereas spd-say
	// hands the text to a daemon whose output module may have no Chinese
	// and still exits 0. With none, the chime.
	Engine string
	// Repeat is how many times each announcement is spoken (default 2).
	// The chime that replaces speech plays once per announcement.
	Repeat int
	// Gap is the pause between repeats (default 1 s).
	Gap time.Duration
	// MaxQueue is how many announcements may wait (default 5). A burst
	// beyond it drops the oldest waiting one, with a log line: by the time
	// it would be spoken, that call is stale anyway.
	MaxQueue int
	// Timeout bounds each speech or player process (default 20 s), so a
	// hung engine cannot stop the queue.
	Timeout time.Duration
	// RetryAfter: once the engine failed, announcements use the chime for
	// this long before the engine is tried again (default 1 min).
	RetryAfter time.Duration
	// Voice is the espeak-ng voice; "" tries cmn-latn-pinyin, cmn, zh in
	// that order (see espeakVoices).
	Voice string

	// Command paths; "" looks the usual name up in PATH. When set, only
	// that path is used (tests point them at fake engines).
	EspeakPath     string // espeak-ng
	SpdSayPath     string // spd-say
	PowerShellPath string // powershell.exe, for SAPI and the Windows chime
	PlayerPath     string // chime player: paplay, pw-play, aplay or powershell

	// OnStatus, if set, is called with the new Status whenever it changes
	// after New (an engine failed or recovered). It runs on the worker
	// goroutine: a UI must hand it over to its own thread.
	OnStatus func(status string)

	// afterPlay, for tests, is called on the worker after each announcement
	// was handled (spoken, chimed or found silent).
	afterPlay func(text string)
}

// Announcer speaks announcements one at a time. It is safe for concurrent
// use.
type Announcer struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}
	off    bool

	engine speaker // nil: chime only
	player *player // nil: nothing can play the chime

	mu      sync.Mutex
	queue   []string
	closed  bool
	status  string
	silent  bool // nothing can sound: Problem reports the status
	wavPath string

	// Worker-only state.
	engineFailed   bool
	engineFailedAt time.Time
	chimeFailed    bool
	// beforeChimeFailed is the status to go back to when the chime plays again.
	beforeChimeFailed string
	noPlayerLogged    bool

	closeOnce sync.Once
}

// New chooses the engine and starts the worker. log may be nil
// (slog.Default()).
func New(cfg Config, log *slog.Logger) *Announcer {
	if log == nil {
		log = slog.Default()
	}
	if cfg.Repeat <= 0 {
		cfg.Repeat = 2
	}
	if cfg.Gap <= 0 {
		cfg.Gap = time.Second
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Announcer{
		cfg:    cfg,
		log:    log,
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
		wake:   make(chan struct{}, 1),
	}
	a.choose()
	go a.run()
	return a
}

// choose picks the engine and the chime player and sets the first status.
func (a *Announcer) choose() {
	cfg := a.cfg
	run := newRunner(a.ctx, cfg.Timeout)
	windows := runtime.GOOS == "windows"
	engine := strings.ToLower(strings.TrimSpace(cfg.Engine))
	if engine == "" {
		engine = EngineAuto
	}
	if engine == EngineOff {
		a.off = true
		a.status = "语音：已关闭"
		a.log.Info("voice: announcements are off")
		return
	}

	if p := a.findPlayer(windows); p != "" {
		a.player = &player{path: p, run: run}
	}

	espeak := func() speaker {
		if p := lookPath(cfg.EspeakPath, "espeak-ng"); p != "" {
			voices := espeakVoices
			if cfg.Voice != "" {
				voices = []string{cfg.Voice}
			}
			return &espeakEngine{path: p, voices: voices, run: run, log: a.log}
		}
		return nil
	}
	spd := func() speaker {
		if p := lookPath(cfg.SpdSayPath, "spd-say"); p != "" {
			return &spdEngine{path: p, run: run}
		}
		return nil
	}
	sapi := func() speaker {
		if p := lookPath(cfg.PowerShellPath, "powershell"); p != "" {
			return &sapiEngine{path: p, run: run}
		}
		return nil
	}

	var missing string // an engine asked for by name but not found
	switch engine {
	case EngineEspeak:
		if a.engine = espeak(); a.engine == nil {
			missing = EngineEspeak
		}
	case EngineSpdSay:
		if a.engine = spd(); a.engine == nil {
			missing = EngineSpdSay
		}
	case EngineSAPI:
		if a.engine = sapi(); a.engine == nil {
			missing = "Windows PowerShell"
		}
	case EngineChime:
	default:
		if engine != EngineAuto {
			a.log.Warn("voice: unknown engine, detecting one instead", "engine", cfg.Engine)
		}
		order := []func() speaker{espeak, spd}
		if windows {
			order = []func() speaker{sapi}
		}
		for _, f := range order {
			if a.engine = f(); a.engine != nil {
				break
			}
		}
	}

	switch {
	case a.engine != nil:
		a.status = "语音：" + a.engine.label()
	case engine == EngineChime && a.player != nil:
		a.status = "语音：提示音"
	case engine == EngineChime:
		a.status, a.silent = "语音：提示音（无播放程序，静音）", true
	case missing != "" && a.player != nil:
		a.status = "语音：未找到 " + missing + "，使用提示音"
	case missing != "":
		a.status, a.silent = "语音：未找到 "+missing+"，无法发声", true
	case a.player != nil:
		a.status = "语音：无语音引擎，使用提示音"
	default:
		a.status, a.silent = "语音：无语音引擎，也无法播放提示音", true
	}
	attrs := []any{"status", a.status}
	if a.engine != nil {
		attrs = append(attrs, "engine", a.engine.name())
	}
	if a.player != nil {
		attrs = append(attrs, "chime_player", a.player.path)
	}
	if missing != "" {
		a.log.Warn("voice: configured engine not found", append(attrs, "engine_wanted", engine)...)
	} else {
		a.log.Info("voice: ready", attrs...)
	}
}

func (a *Announcer) findPlayer(windows bool) string {
	if windows {
		if a.cfg.PlayerPath != "" {
			return lookPath(a.cfg.PlayerPath)
		}
		return lookPath(a.cfg.PowerShellPath, "powershell")
	}
	return lookPath(a.cfg.PlayerPath, "paplay", "pw-play", "aplay")
}

// Announce queues text to be spoken and returns at once. Empty text, calls
// with the engine "off" and calls after Close are ignored.
func (a *Announcer) Announce(text string) {
	text = strings.TrimSpace(text)
	if text == "" || a.off {
		return
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.queue = append(a.queue, text)
	var dropped string
	if len(a.queue) > a.cfg.MaxQueue {
		dropped = a.queue[0]
		a.queue = slices.Delete(a.queue, 0, 1)
	}
	a.mu.Unlock()
	if dropped != "" {
		a.log.Warn("voice: announcement queue full, dropped the oldest",
			"dropped", dropped, "max_queue", a.cfg.MaxQueue)
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Status tells the UI what plays the announcements, in Chinese, e.g.
// "语音：espeak-ng" or "语音：无语音引擎，使用提示音".
func (a *Announcer) Status() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
}

// Close drops what is queued, kills a running speech or chime process and
// waits for the worker to end. It is safe to call more than once.
func (a *Announcer) Close() {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		a.closed = true
		a.queue = nil
		a.mu.Unlock()
		a.cancel()
		<-a.done
		a.mu.Lock()
		if a.wavPath != "" {
			_ = os.Remove(a.wavPath)
			a.wavPath = ""
		}
		a.mu.Unlock()
	})
}

// Problem is the status while the hall hears nothing (no engine and no
// player, or both failing: no sound device, the speakers unplugged), for the
// screens to show as a device problem; "" while calls sound or when the
// voice is turned off on purpose.
func (a *Announcer) Problem() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.silent {
		return a.status
	}
	return ""
}

func (a *Announcer) setStatus(s string) { a.setState(s, false) }

func (a *Announcer) setState(s string, silent bool) {
	a.mu.Lock()
	changed := a.status != s || a.silent != silent
	a.status, a.silent = s, silent
	a.mu.Unlock()
	if changed && a.cfg.OnStatus != nil {
		a.cfg.OnStatus(s)
	}
}

// run is the worker: it plays announcements strictly one after another.
func (a *Announcer) run() {
	defer close(a.done)
	for {
		text, ok := a.next()
		if !ok {
			return
		}
		a.play(text)
		if a.cfg.afterPlay != nil {
			a.cfg.afterPlay(text)
		}
	}
}

// next waits for the oldest queued announcement; false once closed.
func (a *Announcer) next() (string, bool) {
	for {
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return "", false
		}
		if len(a.queue) > 0 {
			t := a.queue[0]
			a.queue = slices.Delete(a.queue, 0, 1)
			a.mu.Unlock()
			return t, true
		}
		a.mu.Unlock()
		select {
		case <-a.wake:
		case <-a.ctx.Done():
			return "", false
		}
	}
}

// play speaks text Repeat times with Gap between, or plays the chime once
// when the engine is missing or failing.
func (a *Announcer) play(text string) {
	for i := range a.cfg.Repeat {
		if i > 0 && !a.pause(a.cfg.Gap) {
			return
		}
		if !a.speak(text) {
			a.chime()
			return
		}
	}
}

// pause waits d; false if the Announcer closed meanwhile.
func (a *Announcer) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.ctx.Done():
		return false
	}
}

// speak runs the engine once; false when there is none, it failed, or it
// failed recently and is not due for another try. The first failure after
// a success is logged; further ones are not, until it works again.
func (a *Announcer) speak(text string) bool {
	if a.engine == nil || a.ctx.Err() != nil {
		return false
	}
	if a.engineFailed && time.Since(a.engineFailedAt) < a.cfg.RetryAfter {
		return false
	}
	err := a.engine.speak(a.ctx, text)
	if a.ctx.Err() != nil {
		return true // closed while speaking: nothing more to play
	}
	if err == nil {
		if a.engineFailed {
			a.engineFailed = false
			a.log.Info("voice: speech engine works again", "engine", a.engine.name())
			a.setStatus("语音：" + a.engine.label())
		}
		return true
	}
	a.engineFailedAt = time.Now()
	if !a.engineFailed {
		a.engineFailed = true
		a.log.Error("voice: speech engine failed, using the chime instead",
			"engine", a.engine.name(), "err", err, "retry_after", a.cfg.RetryAfter)
		if a.player == nil {
			a.setState("语音："+a.engine.label()+" 出错，无法发声", true)
		} else {
			a.setStatus("语音：" + a.engine.label() + " 出错，暂用提示音")
		}
	}
	return false
}

// chime plays the chime once, or logs once that it cannot.
func (a *Announcer) chime() {
	if a.ctx.Err() != nil {
		return
	}
	if a.player == nil {
		if !a.noPlayerLogged {
			a.noPlayerLogged = true
			a.log.Warn("voice: no sound player (paplay, pw-play, aplay) found; announcements are silent")
		}
		return
	}
	wav, err := a.chimeFile()
	if err == nil {
		err = a.player.play(a.ctx, wav)
	}
	if a.ctx.Err() != nil {
		return
	}
	if err != nil && !a.chimeFailed {
		a.chimeFailed = true
		a.log.Error("voice: chime player failed; announcements may be silent",
			"player", a.player.path, "err", err)
		a.mu.Lock()
		a.beforeChimeFailed = a.status
		a.mu.Unlock()
		a.setState("语音：叫号无法发声（提示音也播放失败），请检查音箱和声音设备", true)
	} else if err == nil && a.chimeFailed {
		a.chimeFailed = false
		a.log.Info("voice: chime player works again", "player", a.player.path)
		a.mu.Lock()
		prev := a.beforeChimeFailed
		a.mu.Unlock()
		a.setStatus(prev)
	}
}

// chimeFile writes ChimeWAV to a temporary file once (every player takes a
// file name) and returns its path; Close removes it.
func (a *Announcer) chimeFile() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.wavPath != "" {
		return a.wavPath, nil
	}
	f, err := os.CreateTemp("", "bianmin-chime-*.wav")
	if err != nil {
		return "", err
	}
	_, err = f.Write(ChimeWAV())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	a.wavPath = f.Name()
	return a.wavPath, nil
}
