//go:build unix

package voice

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/internal/eventually"
)

// The fakes are small sh scripts standing in for espeak-ng, spd-say,
// PowerShell and the chime player. Each appends lines to one log file:
//
//	start PID TEXT    the engine began speaking TEXT
//	end PID TEXT      it finished
//	fail PID TEXT     it failed (exit status ≠ 0 or an error line)
//	chime MAGIC       the player played a file starting with MAGIC
//
// Short appends with >> are atomic, so lines from overlapping processes
// would interleave whole, never torn.

type fake struct {
	dir string
	log string
}

func newFake(t *testing.T) *fake {
	t.Helper()
	dir := t.TempDir()
	return &fake{dir: dir, log: filepath.Join(dir, "events.log")}
}

// engineOpts describe one fake engine.
type engineOpts struct {
	text     string // sh snippet setting $text (default: stdin, as espeak-ng gets it)
	gate     string // if set, wait until this file exists before finishing
	okFile   string // if set, fail unless this file exists
	failMsg  string // what a failure prints on stderr
	failCode int    // exit status of a failure (0: exit 0 but print failMsg)
	extra    string // sh lines run after "start" (e.g. to record arguments)
}

func (f *fake) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fake) script(t *testing.T, name, body string) string {
	t.Helper()
	p := f.path(name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nlog='"+f.log+"'\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fake) engine(t *testing.T, name string, o engineOpts) string {
	t.Helper()
	if o.text == "" {
		o.text = `text=$(cat)`
	}
	if o.failMsg == "" {
		o.failMsg = "Error: fake engine failed"
	}
	var b strings.Builder
	b.WriteString(o.text + "\n")
	b.WriteString(`echo "start $$ $text" >> "$log"` + "\n")
	b.WriteString(o.extra + "\n")
	if o.gate != "" {
		b.WriteString("while [ ! -e '" + o.gate + "' ]; do sleep 0.01; done\n")
	}
	if o.okFile != "" {
		b.WriteString("if [ ! -e '" + o.okFile + "' ]; then\n")
		b.WriteString(`  echo "fail $$ $text" >> "$log"` + "\n")
		b.WriteString("  echo '" + o.failMsg + "' >&2\n")
		b.WriteString("  exit " + strconv.Itoa(o.failCode) + "\nfi\n")
	}
	b.WriteString(`echo "end $$ $text" >> "$log"` + "\n")
	return f.script(t, name, b.String())
}

// player is a fake chime player that logs the first four bytes of the file
// it was given (its last argument).
func (f *fake) player(t *testing.T, name string) string {
	t.Helper()
	return f.script(t, name, `for a in "$@"; do file=$a; done
echo "chime $(head -c 4 "$file")" >> "$log"
`)
}

// lines returns the log's lines so far.
func (f *fake) lines() []string {
	b, err := os.ReadFile(f.log)
	if err != nil {
		return nil
	}
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// count counts log lines whose first word is kind.
func (f *fake) count(kind string) int {
	n := 0
	for _, l := range f.lines() {
		if strings.HasPrefix(l, kind+" ") || l == kind {
			n++
		}
	}
	return n
}

// waitFor polls cond. The deadline is only a guard against a hung test, not
// an assertion about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventually.Within(t, 30*time.Second, what, cond)
}

// event is one parsed log line.
type event struct {
	kind, pid, text string
}

func (f *fake) events(t *testing.T) []event {
	t.Helper()
	var out []event
	for _, l := range f.lines() {
		parts := strings.SplitN(l, " ", 3)
		e := event{kind: parts[0]}
		if len(parts) > 1 {
			e.pid = parts[1]
		}
		if len(parts) > 2 {
			e.text = parts[2]
		}
		out = append(out, e)
	}
	return out
}

// logBuffer collects slog output from the worker goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) count(sub string) int { return strings.Count(l.String(), sub) }

func newLog() (*logBuffer, *slog.Logger) {
	buf := &logBuffer{}
	return buf, slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// played counts announcements the worker has handled.
type played struct {
	mu    sync.Mutex
	texts []string
}

func (p *played) add(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.texts = append(p.texts, text)
}

func (p *played) n() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.texts)
}

// missing is a path where no engine exists.
func (f *fake) missing() string { return filepath.Join(f.dir, "missing") }
