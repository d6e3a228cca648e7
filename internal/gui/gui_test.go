//go:build !nogui

package gui

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/wire"
)

// The window tests run this test binary again as the desktop program: with
// BIANMIN_GUI_CHILD set, TestMain calls Run on the main goroutine (GLFW
// needs the main thread) instead of running tests.
func TestMain(m *testing.M) {
	if os.Getenv("BIANMIN_GUI_CHILD") == "1" {
		os.Exit(Run(strings.Fields(os.Getenv("BIANMIN_GUI_ARGS"))))
	}
	os.Exit(m.Run())
}

// startWindow runs the real desktop window on db and waits until it logs that
// it shows screen. It needs an X display; `make test` runs these tests under
// xvfb-run with BIANMIN_WINDOW_TESTS=1.
func startWindow(t *testing.T, db, screen string) {
	t.Helper()
	startWindowArgs(t, screen, "--db", db)
}

// startWindowArgs is startWindow with the program's arguments.
func startWindowArgs(t *testing.T, screen string, args ...string) {
	t.Helper()
	if os.Getenv("BIANMIN_WINDOW_TESTS") == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("real-window test: run under Xvfb with BIANMIN_WINDOW_TESTS=1 (make test does)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BIANMIN_GUI_CHILD=1", "BIANMIN_GUI_ARGS="+strings.Join(args, " "), "LANG=en_US.UTF-8")
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { err := cmd.Wait(); pw.Close(); exited <- err }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	var mu sync.Mutex
	var logged []string
	found := make(chan struct{})
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() { // keep draining until the child exits
			line := sc.Text()
			mu.Lock()
			logged = append(logged, line)
			mu.Unlock()
			if strings.Contains(line, "screen shown") && strings.Contains(line, "screen="+screen) {
				once.Do(func() { close(found) })
			}
		}
	}()
	log := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(logged, "\n")
	}
	select {
	case <-found:
	case err := <-exited:
		t.Fatalf("the window exited (%v) before showing %s; its log:\n%s", err, screen, log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("the window did not show %s within 2 minutes; its log:\n%s", screen, log())
	}
	// Still running a moment later: the first frames were drawn without a crash.
	select {
	case err := <-exited:
		t.Fatalf("the window exited (%v) after showing %s; its log:\n%s", err, screen, log())
	case <-time.After(2 * time.Second):
	}
}

func TestWindowFirstStart(t *testing.T) {
	startWindow(t, filepath.Join(t.TempDir(), "sub", "new.db"), "setup")
}

func TestWindowDemoLogin(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := wire.LoadDemo(context.Background(), db, 5, 1); err != nil {
		t.Fatal(err)
	}
	startWindow(t, db, "login")
}

func TestGUIRejectsStrayArguments(t *testing.T) {
	if code := Run([]string{"--db", "x.db", "extra"}); code != 2 {
		t.Errorf("Run with a stray argument = %d, want 2", code)
	}
	if code := Run([]string{"--nonsense"}); code != 2 {
		t.Errorf("Run with an unknown flag = %d, want 2", code)
	}
}

// The headless build (-tags nogui, CGO_ENABLED=0) that a 中心主机 on ARM or
// LoongArch runs: it cross-builds without cgo or GL headers, and on this
// machine it initialises a centre and serves the LAN.
func TestNoGUIBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program three times")
	}
	dir := t.TempDir()
	build := func(goarch, out string) {
		t.Helper()
		cmd := exec.Command("go", "build", "-tags", "nogui", "-o", out, ".")
		cmd.Dir = "../.." // the program's main package
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nogui build for %s: %v\n%s", goarch, err, b)
		}
	}
	for _, arch := range []string{"arm64", "loong64"} {
		build(arch, filepath.Join(dir, "bianmin-"+arch))
	}
	host := filepath.Join(dir, "bianmin")
	build(runtime.GOARCH, host)
	out, _ := exec.Command("go", "version", "-m", host).CombinedOutput()
	if strings.Contains(string(out), "fyne.io/fyne") {
		t.Error("the nogui build carries Fyne")
	}
	db := filepath.Join(dir, "c.db")
	if b, err := exec.Command(host, "init", "--db", db, "--centre", "测试镇便民服务中心", "--area", "370911105000").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, b)
	}
	if b, _ := exec.Command(host).CombinedOutput(); !strings.Contains(string(b), "bianmin serve") {
		t.Errorf("no command in a nogui build: %s", b)
	}
	cmd := exec.Command(host, "serve", "--db", db, "--listen", "127.0.0.1:0")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); pw.Close(); close(exited) }()
	// Once the start line is read nobody reads the pipe: closing it fails
	// the copy of serve's later lines, which would otherwise block Wait.
	defer func() { _ = cmd.Process.Kill(); pr.Close(); <-exited }()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "中心主机已启动") {
			return
		}
	}
	t.Fatal("serve did not start")
}

// On a display without OpenGL (an X server without GLX, as a PC without a
// graphics driver or a remote session) the program says in Chinese what to
// install and exits, instead of a silent exit.
func TestWindowWithoutOpenGL(t *testing.T) {
	if os.Getenv("BIANMIN_WINDOW_TESTS") == "" {
		t.Skip("real-window test: run with BIANMIN_WINDOW_TESTS=1 (make test does)")
	}
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		t.Skip("xvfb-run is not installed")
	}
	db := filepath.Join(t.TempDir(), "bianmin.db")
	// PATH without zenity: the message box would wait for a click.
	cmd := exec.Command(xvfb, "-a", "-s", "-screen 0 1024x768x24 -extension GLX",
		"env", "PATH=/nonexistent", "BIANMIN_GUI_CHILD=1", "BIANMIN_GUI_ARGS=--db "+db, os.Args[0], "-test.run=^$")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("exit %v, want 3; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "本机的显卡驱动不支持 OpenGL 2.1") || !strings.Contains(string(out), "命令行功能") {
		t.Errorf("no Chinese explanation:\n%s", out)
	}
}
