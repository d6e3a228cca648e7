//go:build !nogui

package gui

import (
	"errors"
	"fmt"
	"os"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// glMissing is what a user reads when the PC cannot open the window: old
// graphics without an OpenGL driver, Windows' 基本显示适配器, or a remote
// desktop session without OpenGL. Fyne's driver would otherwise exit with
// an English line on a console nobody sees.
const glMissing = "本机的显卡驱动不支持 OpenGL 2.1，便民的窗口无法打开。\n\n" +
	"请安装显卡厂商的驱动程序（Intel、AMD、NVIDIA、兆芯、景嘉微等），不要使用系统自带的“基本显示适配器”；" +
	"通过远程桌面使用时，请在这台电脑上直接登录，或请 IT 人员为远程桌面开启 OpenGL。\n\n" +
	"命令行功能（如 bianmin stats、bianmin backup）不受影响。"

// probeGL opens and closes a hidden 1×1 window with the OpenGL 2.1 context
// Fyne's driver will ask for, before the application starts. It runs on the
// main goroutine, which Fyne's driver has locked to the main thread.
func probeGL() (err error) {
	// GLFW reports a failed initialisation (no X display) only in its log,
	// and the next call panics with NotInitialized.
	defer func() {
		if r := recover(); r != nil {
			err = &noDesktop{fmt.Errorf("%v", r)}
		}
	}()
	if err := glfw.Init(); err != nil {
		return &noDesktop{err}
	}
	defer glfw.Terminate()
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 2)
	glfw.WindowHint(glfw.ContextVersionMinor, 1)
	w, err := glfw.CreateWindow(1, 1, "bianmin", nil, nil)
	if err != nil {
		return err
	}
	w.Destroy()
	return nil
}

// noDesktop is a failure before OpenGL: no graphical desktop to open a
// window on (a Linux server without X, DISPLAY unset).
type noDesktop struct{ err error }

func (e *noDesktop) Error() string { return e.err.Error() }

// explainNoGL tells the user (a message box on Windows, stderr elsewhere)
// and returns the exit code.
func explainNoGL(err error) int {
	msg := glMissing
	var nd *noDesktop
	if errors.As(err, &nd) {
		msg = "没有可用的图形桌面，便民的窗口无法打开（在服务器上请用命令行，如 bianmin serve）。"
	}
	fmt.Fprintf(os.Stderr, "%s\n\n(OpenGL unavailable: %v)\n", msg, err)
	fatalBox("便民 — 无法打开窗口", msg+"\n\n详细信息："+err.Error())
	return 3
}
