//go:build unix

package voice

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"
)

// espeakConfig is a Config whose espeak-ng is the given fake and whose other
// engines do not exist.
func (f *fake) config(t *testing.T, espeak string) Config {
	return Config{
		Engine:         EngineAuto,
		EspeakPath:     espeak,
		SpdSayPath:     f.missing(),
		PowerShellPath: f.missing(),
		PlayerPath:     f.player(t, "aplay"),
		Gap:            time.Millisecond,
	}
}

func TestAnnouncementsInOrderNeverOverlap(t *testing.T) {
	f := newFake(t)
	// The fake takes a moment to speak, so an overlap would show.
	espeak := f.engine(t, "espeak-ng", engineOpts{extra: "sleep 0.01"})
	cfg := f.config(t, espeak)
	cfg.Repeat = 1
	cfg.MaxQueue = 100
	_, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	if got := a.Status(); got != "语音：espeak-ng" {
		t.Fatalf("Status = %q", got)
	}

	const goroutines, each = 4, 5
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a.Announce(fmt.Sprintf("g%d-%d", g, i))
			}
		}()
	}
	wg.Wait()
	waitFor(t, "20 announcements spoken", func() bool { return f.count("end") == goroutines*each })

	ev := f.events(t)
	if len(ev) != 2*goroutines*each {
		t.Fatalf("%d events, want %d: %v", len(ev), 2*goroutines*each, ev)
	}
	seen := map[string]bool{}
	last := map[int]int{0: -1, 1: -1, 2: -1, 3: -1}
	for i := 0; i < len(ev); i += 2 {
		start, end := ev[i], ev[i+1]
		if start.kind != "start" || end.kind != "end" || start.pid != end.pid || start.text != end.text {
			t.Fatalf("events %d–%d overlap or are out of order: %v, %v", i, i+1, start, end)
		}
		if seen[start.text] {
			t.Fatalf("%q spoken twice", start.text)
		}
		seen[start.text] = true
		var g, n int
		if _, err := fmt.Sscanf(start.text, "g%d-%d", &g, &n); err != nil {
			t.Fatalf("unexpected text %q", start.text)
		}
		if n <= last[g] {
			t.Fatalf("goroutine %d: %q spoken after its number %d", g, start.text, last[g])
		}
		last[g] = n
	}
}

func TestEachAnnouncementRepeated(t *testing.T) {
	f := newFake(t)
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{}))
	cfg.Repeat = 3
	a := New(cfg, nil)
	defer a.Close()
	a.Announce(Text("A012", 3))
	a.Announce(Text("B001", 12))
	waitFor(t, "6 utterances", func() bool { return f.count("end") == 6 })
	var texts []string
	for _, e := range f.events(t) {
		if e.kind == "end" {
			texts = append(texts, e.text)
		}
	}
	first, second := "请A零一二号，到三号窗口办理", "请B零零一号，到十二号窗口办理"
	want := []string{first, first, first, second, second, second}
	if !slices.Equal(texts, want) {
		t.Fatalf("spoken %q, want %q", texts, want)
	}
}

func TestAnnounceReturnsWhileEngineIsSpeaking(t *testing.T) {
	f := newFake(t)
	gate := f.path("gate")
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{gate: gate}))
	cfg.Repeat = 1
	a := New(cfg, nil)
	defer a.Close()

	a.Announce("一")
	waitFor(t, "the engine to start", func() bool { return f.count("start") == 1 })
	// The engine cannot finish until the gate exists, and only this test
	// creates it: these calls return while it is speaking.
	a.Announce("二")
	a.Announce("三")
	if n := f.count("end"); n != 0 {
		t.Fatalf("%d ends before the gate opened", n)
	}
	if n := f.count("start"); n != 1 {
		t.Fatalf("%d engines running at once", n)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all three", func() bool { return f.count("end") == 3 })
}

func TestQueueOverflowDropsOldest(t *testing.T) {
	f := newFake(t)
	gate := f.path("gate")
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{gate: gate}))
	cfg.Repeat = 1
	cfg.MaxQueue = 3
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()

	a.Announce("1")
	waitFor(t, "the first to be speaking", func() bool { return f.count("start") == 1 })
	for _, s := range []string{"2", "3", "4", "5", "6", "7"} {
		a.Announce(s)
	}
	if n := logs.count("queue full"); n != 3 {
		t.Fatalf("%d queue-full log lines, want 3:\n%s", n, logs)
	}
	for _, s := range []string{"dropped=2", "dropped=3", "dropped=4"} {
		if logs.count(s) != 1 {
			t.Fatalf("log does not name %s:\n%s", s, logs)
		}
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rest", func() bool { return f.count("end") == 4 })
	var spoken []string
	for _, e := range f.events(t) {
		if e.kind == "end" {
			spoken = append(spoken, e.text)
		}
	}
	if want := []string{"1", "5", "6", "7"}; !slices.Equal(spoken, want) {
		t.Fatalf("spoken %q, want %q", spoken, want)
	}
}

func TestFailingEngineFallsBackToChimeLoggedOnce(t *testing.T) {
	f := newFake(t)
	ok := f.path("ok")
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{
		okFile: ok, failCode: 3, failMsg: "Error: cannot open audio device hw:0",
	}))
	cfg.RetryAfter = time.Nanosecond // try the engine again at every call
	var mu sync.Mutex
	var statuses []string
	cfg.OnStatus = func(s string) {
		mu.Lock()
		defer mu.Unlock()
		statuses = append(statuses, s)
	}
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()

	for _, s := range []string{"甲", "乙", "丙"} {
		a.Announce(s)
	}
	waitFor(t, "three chimes", func() bool { return f.count("chime") == 3 })
	if n := f.count("fail"); n != 3 {
		t.Fatalf("engine failed %d times, want 3 (one try per announcement)", n)
	}
	for _, l := range f.lines() {
		if strings.HasPrefix(l, "chime") && l != "chime RIFF" {
			t.Fatalf("player got no WAV file: %q", l)
		}
	}
	if n := logs.count("speech engine failed"); n != 1 {
		t.Fatalf("failure logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "exit status 3") || !strings.Contains(logs.String(), "cannot open audio device hw:0") {
		t.Fatalf("log lacks the precise error:\n%s", logs)
	}
	if got := a.Status(); got != "语音：espeak-ng 出错，暂用提示音" {
		t.Fatalf("Status = %q", got)
	}

	// The engine works again: speech is back, and that is logged once.
	if err := os.WriteFile(ok, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a.Announce("丁")
	waitFor(t, "丁 spoken twice", func() bool { return f.count("end") == 2 })
	if got := a.Status(); got != "语音：espeak-ng" {
		t.Fatalf("Status = %q after recovery", got)
	}
	if n := logs.count("works again"); n != 1 {
		t.Fatalf("recovery logged %d times:\n%s", n, logs)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"语音：espeak-ng 出错，暂用提示音", "语音：espeak-ng"}; !slices.Equal(statuses, want) {
		t.Fatalf("OnStatus got %q, want %q", statuses, want)
	}
}

func TestFailedEngineRestsUntilRetryAfter(t *testing.T) {
	f := newFake(t)
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{okFile: f.path("never"), failCode: 1}))
	cfg.RetryAfter = time.Hour
	a := New(cfg, nil)
	defer a.Close()
	for _, s := range []string{"1", "2", "3"} {
		a.Announce(s)
	}
	waitFor(t, "three chimes", func() bool { return f.count("chime") == 3 })
	if n := f.count("start"); n != 1 {
		t.Fatalf("engine run %d times within RetryAfter, want 1", n)
	}
}

func TestEspeakErrorWithExitZeroCountsAsFailure(t *testing.T) {
	// espeak-ng 1.51 exits 0 when there is no sound device.
	f := newFake(t)
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{
		okFile: f.path("never"), failCode: 0, failMsg: "error: No such file or directory",
	}))
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	a.Announce("请A零零一号办理")
	waitFor(t, "the chime", func() bool { return f.count("chime") == 1 })
	if !strings.Contains(logs.String(), "No such file or directory") {
		t.Fatalf("log lacks the engine's error:\n%s", logs)
	}
}

func TestEspeakTriesTheNextVoice(t *testing.T) {
	f := newFake(t)
	// This espeak-ng knows only "cmn" (like 1.50).
	espeak := f.script(t, "espeak-ng", `text=$(cat)
echo "voice $2" >> "$log"
if [ "$2" != cmn ]; then
  echo "Error: The specified espeak-ng voice does not exist." >&2
  exit 1
fi
echo "end $$ $text" >> "$log"
`)
	cfg := f.config(t, espeak)
	cfg.Repeat = 1
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	a.Announce("一")
	a.Announce("二")
	waitFor(t, "both spoken", func() bool { return f.count("end") == 2 })
	var voices []string
	for _, e := range f.events(t) {
		if e.kind == "voice" {
			voices = append(voices, e.pid)
		}
	}
	if want := []string{"cmn-latn-pinyin", "cmn", "cmn"}; !slices.Equal(voices, want) {
		t.Fatalf("voices tried %q, want %q", voices, want)
	}
	if logs.count("speech engine failed") != 0 || f.count("chime") != 0 {
		t.Fatalf("a missing first-choice voice is not a failure:\n%s", logs)
	}
}

func TestTimeoutKillsHungEngine(t *testing.T) {
	f := newFake(t)
	// The gate is never created: only the timeout ends this engine.
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{gate: f.path("never")}))
	cfg.Timeout = 200 * time.Millisecond
	cfg.RetryAfter = time.Nanosecond
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	a.Announce("1")
	a.Announce("2")
	// Both calls get through although the engine never ends.
	waitFor(t, "two chimes", func() bool { return f.count("chime") == 2 })
	if f.count("end") != 0 {
		t.Fatal("the hung engine ended by itself")
	}
	if !strings.Contains(logs.String(), "still running after 200ms, killed") {
		t.Fatalf("log lacks the timeout:\n%s", logs)
	}
}

func TestCloseKillsRunningSpeech(t *testing.T) {
	f := newFake(t)
	// An engine with a helper process of its own, as spd-say or PowerShell
	// may have: Close must end both.
	espeak := f.script(t, "espeak-ng", `text=$(cat)
sleep 300 &
echo "start $$ $!" >> "$log"
wait
echo "end $$ $text" >> "$log"
`)
	a := New(f.config(t, espeak), nil)
	a.Announce("一")
	a.Announce("二")
	waitFor(t, "the engine to start", func() bool { return f.count("start") == 1 })
	var pid, child int
	e := f.events(t)[0]
	if _, err := fmt.Sscanf(e.pid+" "+e.text, "%d %d", &pid, &child); err != nil {
		t.Fatal(err)
	}
	a.Close()
	// The engine was killed and reaped before Close returned.
	if alive(pid) {
		t.Fatalf("engine process %d still running after Close", pid)
	}
	// Its helper died with it; it is reparented, so wait for its reaping.
	waitFor(t, "the engine's helper to die", func() bool { return !alive(child) })
	a.Close() // twice is fine
	a.Announce("三")
	if n, c, end := f.count("start"), f.count("chime"), f.count("end"); n != 1 || c != 0 || end != 0 {
		t.Fatalf("after Close: %d starts, %d chimes, %d ends", n, c, end)
	}
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		rest := string(st[strings.LastIndexByte(string(st), ')')+1:])
		return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
	} else if _, perr := os.Stat("/proc/self/stat"); perr == nil {
		return false // Linux, and no such process
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func TestAutoTakesSpdSayWhenNoEspeak(t *testing.T) {
	f := newFake(t)
	spd := f.engine(t, "spd-say", engineOpts{
		text:  `for a in "$@"; do text=$a; done`,
		extra: `echo "args $*" >> "$log"`,
	})
	cfg := f.config(t, f.missing())
	cfg.SpdSayPath = spd
	cfg.Repeat = 1
	a := New(cfg, nil)
	defer a.Close()
	if got := a.Status(); got != "语音：spd-say" {
		t.Fatalf("Status = %q", got)
	}
	a.Announce("-v 请A零零一号办理")
	waitFor(t, "spoken", func() bool { return f.count("end") == 1 })
	lines := f.lines()
	if want := "args -l zh -w -- -v 请A零零一号办理"; !slices.Contains(lines, want) {
		t.Fatalf("log %q lacks %q", lines, want)
	}
}

func TestSAPIGetsTextThroughTheEnvironment(t *testing.T) {
	f := newFake(t)
	ps := f.engine(t, "powershell", engineOpts{
		text:  `text=$` + envText,
		extra: `echo "args $*" >> "$log"`,
	})
	cfg := f.config(t, f.missing())
	cfg.Engine = EngineSAPI
	cfg.PowerShellPath = ps
	cfg.Repeat = 1
	a := New(cfg, nil)
	defer a.Close()
	if got := a.Status(); got != "语音：Windows 语音（SAPI）" {
		t.Fatalf("Status = %q", got)
	}
	evil := `请A001号'); Remove-Item C:\ -Recurse; ('`
	a.Announce(evil)
	waitFor(t, "spoken", func() bool { return f.count("end") == 1 })
	ev := f.events(t)
	if ev[0].text != evil {
		t.Fatalf("engine got %q, want %q", ev[0].text, evil)
	}
	args := strings.Fields(ev[1].pid + " " + ev[1].text)
	i := slices.Index(args, "-EncodedCommand")
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("no -EncodedCommand in %q", args)
	}
	if strings.Contains(strings.Join(args, " "), "Remove-Item") {
		t.Fatalf("text spliced into the command line: %q", args)
	}
	script := decodeUTF16LE(t, args[i+1])
	for _, want := range []string{"System.Speech", "$env:" + envText, "exit 3"} {
		if !strings.Contains(script, want) {
			t.Fatalf("script lacks %q:\n%s", want, script)
		}
	}
}

func decodeUTF16LE(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw)%2 != 0 {
		t.Fatalf("bad -EncodedCommand %q: %v", b64, err)
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	return string(utf16.Decode(u))
}

func TestNoEngineUsesChime(t *testing.T) {
	f := newFake(t)
	cfg := f.config(t, f.missing())
	a := New(cfg, nil)
	defer a.Close()
	if got := a.Status(); got != "语音：无语音引擎，使用提示音" {
		t.Fatalf("Status = %q", got)
	}
	a.Announce("1")
	a.Announce("2")
	// Once per announcement, not Repeat times: a repeated chime says nothing more.
	waitFor(t, "two chimes", func() bool { return f.count("chime") == 2 })
	if lines := f.lines(); !slices.Equal(lines, []string{"chime RIFF", "chime RIFF"}) {
		t.Fatalf("log %q", lines)
	}
}

func TestNothingCanPlayLogsOnce(t *testing.T) {
	f := newFake(t)
	cfg := f.config(t, f.missing())
	cfg.PlayerPath = f.missing()
	var p played
	cfg.afterPlay = p.add
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	if got := a.Status(); got != "语音：无语音引擎，也无法播放提示音" {
		t.Fatalf("Status = %q", got)
	}
	a.Announce("1")
	a.Announce("2")
	a.Announce("3")
	waitFor(t, "three handled", func() bool { return p.n() == 3 })
	if n := logs.count("no sound player"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs)
	}
}

func TestFailingPlayerLogsOnce(t *testing.T) {
	f := newFake(t)
	cfg := f.config(t, f.missing())
	cfg.PlayerPath = f.script(t, "paplay", "echo 'Connection failure: Connection refused' >&2\nexit 1\n")
	var p played
	cfg.afterPlay = p.add
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	a.Announce("1")
	a.Announce("2")
	waitFor(t, "two handled", func() bool { return p.n() == 2 })
	if n := logs.count("chime player failed"); n != 1 || !strings.Contains(logs.String(), "Connection refused") {
		t.Fatalf("want the player's error logged once:\n%s", logs)
	}
}

func TestStatusOfConfiguredEngines(t *testing.T) {
	f := newFake(t)
	for _, c := range []struct {
		engine, player, want string
	}{
		{EngineOff, "aplay", "语音：已关闭"},
		{EngineChime, "aplay", "语音：提示音"},
		{EngineChime, "", "语音：提示音（无播放程序，静音）"},
		{EngineEspeak, "aplay", "语音：未找到 espeak-ng，使用提示音"},
		{EngineSpdSay, "", "语音：未找到 spd-say，无法发声"},
		{"festival", "aplay", "语音：无语音引擎，使用提示音"},
	} {
		cfg := f.config(t, f.missing())
		cfg.Engine = c.engine
		if c.player == "" {
			cfg.PlayerPath = f.missing()
		}
		a := New(cfg, nil)
		if got := a.Status(); got != c.want {
			t.Errorf("engine %q, player %q: Status = %q, want %q", c.engine, c.player, got, c.want)
		}
		a.Close()
	}
}

func TestOffIgnoresAnnouncements(t *testing.T) {
	f := newFake(t)
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{}))
	cfg.Engine = EngineOff
	a := New(cfg, nil)
	defer a.Close()
	a.Announce("1")
	a.mu.Lock()
	n := len(a.queue)
	a.mu.Unlock()
	if n != 0 {
		t.Fatalf("off queued %d announcements", n)
	}
}

// TestRealEspeak runs the real espeak-ng with the exact arguments the
// Announcer uses, through a wrapper that adds -w so it writes a WAV file
// instead of needing a sound card.
func TestRealEspeak(t *testing.T) {
	real, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Skip("espeak-ng is not installed")
	}
	f := newFake(t)
	out := f.path("out.wav")
	wrapper := f.script(t, "espeak-ng", `echo "args $*" >> "$log"
exec '`+real+`' "$@" -w '`+out+`'
`)
	cfg := f.config(t, wrapper)
	cfg.Repeat = 1
	var p played
	cfg.afterPlay = p.add
	logs, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	a.Announce(Text("A012", 3))
	waitFor(t, "spoken", func() bool { return p.n() == 1 })
	if logs.count("failed") != 0 || f.count("chime") != 0 {
		t.Fatalf("real espeak-ng failed:\n%s", logs)
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(wav) < 44 || string(wav[:4]) != "RIFF" {
		t.Fatalf("espeak-ng wrote no WAV (%d bytes)", len(wav))
	}
	rate := binary.LittleEndian.Uint32(wav[24:])
	if secs := float64(len(wav)-44) / float64(2*rate); secs < 1.5 {
		t.Fatalf("the sentence lasts %.2f s: Chinese text not spoken?", secs)
	}

	// Every character is read as Mandarin: no switch to English
	// (espeak-ng 1.51's "cmn" voice reads 请 as "qing three").
	voice := strings.Fields(f.lines()[0])[2]
	cmd := exec.Command(real, "-v", voice, "-q", "-x", "--stdin")
	cmd.Stdin = strings.NewReader(Text("A012", 3))
	ph, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ph), "(en)") {
		t.Fatalf("voice %s reads Chinese as English: %s", voice, ph)
	}
	t.Logf("voice %s: %s", voice, strings.TrimSpace(string(ph)))
}

// No sound device: the engine fails and so does the chime player. The hall
// hears nothing, and Problem says so (for the status bars), not only the
// log; when the device is back, the problem clears.
func TestNoSoundDeviceIsAProblem(t *testing.T) {
	f := newFake(t)
	ok := f.path("sound")
	cfg := f.config(t, f.engine(t, "espeak-ng", engineOpts{okFile: ok, failCode: 1,
		failMsg: "ALSA lib confmisc.c: cannot find card '0'"}))
	cfg.PlayerPath = f.script(t, "aplay", `[ -e '`+ok+`' ] || { echo "aplay: main: audio open error: No such file or directory" >&2; exit 1; }
for a in "$@"; do file=$a; done
echo "chime $(head -c 4 "$file")" >> "$log"
`)
	cfg.RetryAfter = time.Nanosecond
	var p played
	cfg.afterPlay = p.add
	var mu sync.Mutex
	var statuses []string
	cfg.OnStatus = func(s string) { mu.Lock(); statuses = append(statuses, s); mu.Unlock() }
	_, log := newLog()
	a := New(cfg, log)
	defer a.Close()
	if a.Problem() != "" {
		t.Fatalf("a problem before any call: %q", a.Problem())
	}
	a.Announce("1")
	waitFor(t, "the call handled", func() bool { return p.n() == 1 })
	if got := a.Problem(); got != "语音：叫号无法发声（提示音也播放失败），请检查音箱和声音设备" || a.Status() != got {
		t.Fatalf("Problem %q, Status %q", got, a.Status())
	}
	if err := os.WriteFile(ok, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a.Announce("2")
	waitFor(t, "the second call handled", func() bool { return p.n() == 2 })
	if a.Problem() != "" || a.Status() != "语音：espeak-ng" {
		t.Fatalf("after the device came back: problem %q, status %q", a.Problem(), a.Status())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(statuses) < 2 || !strings.Contains(statuses[len(statuses)-2], "无法发声") {
		t.Errorf("OnStatus got %q", statuses)
	}
}
