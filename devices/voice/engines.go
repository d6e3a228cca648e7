package voice

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"
)

// Engine names accepted in Config.Engine.
const (
	EngineAuto   = "auto"
	EngineEspeak = "espeak-ng"
	EngineSpdSay = "spd-say"
	EngineSAPI   = "sapi"
	EngineChime  = "chime"
	EngineOff    = "off"
)

// Environment variables that carry text and file names to child processes,
// so that nothing a caller passes is ever spliced into a script.
const (
	envText = "BIANMIN_VOICE_TEXT"
	envWAV  = "BIANMIN_CHIME_WAV"
)

// espeakVoices are tried in order when Config.Voice is empty. espeak-ng 1.51
// (Debian 12, Ubuntu 22.04/24.04) reads Chinese characters wrongly with its
// "cmn" voice — it says each character's pinyin followed by the tone number
// in English ("好" → "hao two"); "cmn-latn-pinyin" reads them right (checked
// with `espeak-ng -x`). Older espeak-ng lacks the pinyin variant and has
// "cmn", or before the 2021 renaming only "zh".
var espeakVoices = []string{"cmn-latn-pinyin", "cmn", "zh"}

// speaker is one speech engine.
type speaker interface {
	name() string  // for the log
	label() string // for the UI: "espeak-ng", "Windows 语音（SAPI）"
	speak(ctx context.Context, text string) error
}

// espeakEngine runs `espeak-ng -v VOICE --stdin` with the text on stdin.
type espeakEngine struct {
	path   string
	voices []string
	vi     int // index of the voice in use; only the worker touches it
	run    runner
	log    *slog.Logger
}

func (e *espeakEngine) name() string  { return EngineEspeak }
func (e *espeakEngine) label() string { return "espeak-ng" }

func (e *espeakEngine) speak(ctx context.Context, text string) error {
	for {
		voice := e.voices[e.vi]
		out, err := e.run(ctx, e.path, []string{"-v", voice, "--stdin"}, text, nil)
		if err == nil {
			// espeak-ng 1.51 exits 0 when it cannot open the sound device;
			// it only says "error: ..." on stderr.
			// The line before it says why ("Unknown PCM default": no device).
			if errorLine(out) != "" {
				err = fmt.Errorf("%s -v %s: exit 0 but reported: %s", e.path, voice, lastLines(out, 2))
			}
		}
		if err == nil {
			return nil
		}
		if strings.Contains(out, "voice does not exist") && e.vi+1 < len(e.voices) {
			e.log.Info("voice: espeak-ng has no such voice, trying the next",
				"voice", voice, "next", e.voices[e.vi+1])
			e.vi++
			continue
		}
		return err
	}
}

// errorLine returns the last line of out that starts with "error" (any
// case), or "".
func errorLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(strings.ToLower(l), "error") {
			return l
		}
	}
	return ""
}

// spdEngine runs `spd-say -l zh -w -- TEXT`: the text is one argument after
// "--", handed to the process directly (no shell), so it cannot be taken for
// an option. -w waits until the text has been spoken, which keeps the queue
// strictly sequential.
type spdEngine struct {
	path string
	run  runner
}

func (e *spdEngine) name() string  { return EngineSpdSay }
func (e *spdEngine) label() string { return "spd-say" }

func (e *spdEngine) speak(ctx context.Context, text string) error {
	_, err := e.run(ctx, e.path, []string{"-l", "zh", "-w", "--", text}, "", nil)
	return err
}

// sapiScript speaks $env:BIANMIN_VOICE_TEXT with the first enabled Chinese
// voice (zh-CN preferred; Chinese editions of Windows come with "Microsoft
// Huihui Desktop"). Without one it exits 3: an English voice would skip
// every Chinese character, so the chime is better. Its message is ASCII
// because redirected stderr is in the console's code page.
const sapiScript = `$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName System.Speech
$s = New-Object System.Speech.Synthesis.SpeechSynthesizer
try {
  $v = $s.GetInstalledVoices() |
    Where-Object { $_.Enabled -and $_.VoiceInfo.Culture.Name -like 'zh*' } |
    Sort-Object { if ($_.VoiceInfo.Culture.Name -eq 'zh-CN') { 0 } else { 1 } } |
    Select-Object -First 1
  if (-not $v) {
    [Console]::Error.WriteLine('no enabled Chinese (zh-*) voice for System.Speech; install Chinese speech (e.g. Microsoft Huihui Desktop)')
    exit 3
  }
  $s.SelectVoice($v.VoiceInfo.Name)
  $s.Speak($env:` + envText + `)
} finally {
  $s.Dispose()
}
`

// soundPlayerScript plays the WAV file named by $env:BIANMIN_CHIME_WAV.
const soundPlayerScript = `$ErrorActionPreference = 'Stop'
$p = New-Object System.Media.SoundPlayer $env:` + envWAV + `
$p.PlaySync()
`

// encodedCommand is a script as PowerShell's -EncodedCommand takes it
// (base64 of UTF-16LE), which spares the script itself any quoting rules.
func encodedCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func powershellArgs(script string) []string {
	return []string{"-NoProfile", "-NonInteractive", "-EncodedCommand", encodedCommand(script)}
}

// sapiEngine runs Windows PowerShell with System.Speech; the text goes in an
// environment variable.
type sapiEngine struct {
	path string
	run  runner
}

func (e *sapiEngine) name() string  { return EngineSAPI }
func (e *sapiEngine) label() string { return "Windows 语音（SAPI）" }

func (e *sapiEngine) speak(ctx context.Context, text string) error {
	_, err := e.run(ctx, e.path, powershellArgs(sapiScript), "", []string{envText + "=" + text})
	return err
}

// player plays a WAV file with aplay, paplay, pw-play or (Windows)
// PowerShell's System.Media.SoundPlayer.
type player struct {
	path string
	run  runner
}

func (p *player) play(ctx context.Context, wav string) error {
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(p.path), ".exe"))
	switch base {
	case "powershell", "pwsh":
		_, err := p.run(ctx, p.path, powershellArgs(soundPlayerScript), "", []string{envWAV + "=" + wav})
		return err
	case "aplay":
		_, err := p.run(ctx, p.path, []string{"-q", wav}, "", nil)
		return err
	default: // paplay, pw-play
		_, err := p.run(ctx, p.path, []string{wav}, "", nil)
		return err
	}
}

// runner runs one child process to its end and returns what it wrote to
// stdout and stderr (the last few KiB).
type runner func(ctx context.Context, path string, args []string, stdin string, env []string) (string, error)

// errClosed is returned for a process killed because the Announcer closed.
var errClosed = errors.New("voice: closed")

// outputLimit is how much of a child's output is kept for the log.
const outputLimit = 4096

// tailBuffer keeps the last outputLimit bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - outputLimit; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// newRunner returns a runner that gives each process timeout to finish.
// The process runs in its own process group (Unix) and the whole group is
// killed on timeout or Close, so an engine's helpers die with it.
func newRunner(closed context.Context, timeout time.Duration) runner {
	return func(ctx context.Context, path string, args []string, stdin string, env []string) (string, error) {
		tctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		cmd := exec.CommandContext(tctx, path, args...)
		setProcAttr(cmd)
		cmd.WaitDelay = waitDelay
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
		if env != nil {
			cmd.Env = append(os.Environ(), env...)
		}
		var out tailBuffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		err := cmd.Run()
		text := string(bytes.ToValidUTF8(out.b, nil))
		switch {
		case err == nil:
			return text, nil
		case closed.Err() != nil:
			return text, errClosed
		case errors.Is(tctx.Err(), context.DeadlineExceeded):
			return text, fmt.Errorf("%s: still running after %s, killed", path, timeout)
		}
		if last := lastLines(text, 2); last != "" {
			return text, fmt.Errorf("%s: %w: %s", path, err, last)
		}
		return text, fmt.Errorf("%s: %w", path, err)
	}
}

// lastLines returns the last n non-empty lines of s joined by " | ".
func lastLines(s string, n int) string {
	var keep []string
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0 && len(keep) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			keep = append([]string{l}, keep...)
		}
	}
	return strings.Join(keep, " | ")
}

// lookPath finds a command: the configured path when one is set (and only
// it — a test's missing fake must not fall back to a real engine), otherwise
// the first of names found in PATH. "" when there is none.
func lookPath(configured string, names ...string) string {
	if configured != "" {
		if p, err := exec.LookPath(configured); err == nil {
			return p
		}
		return ""
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}
