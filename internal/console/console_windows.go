package console

import (
	"os"
	"syscall"
)

// The Windows build is a GUI-subsystem program (-H windowsgui, so no console
// window flashes up behind the desktop window). Started from cmd.exe or
// PowerShell with a command, it has no standard output of its own: attach
// to the parent's console so `bianmin stats …` prints there. A redirected
// output (`bianmin stats … > out.txt`) is a valid handle already and kept.
func Attach() {
	const attachParent = ^uintptr(0) // ATTACH_PARENT_PROCESS (-1)
	k := syscall.NewLazyDLL("kernel32.dll")
	if h, _ := syscall.GetStdHandle(syscall.STD_OUTPUT_HANDLE); h != 0 && h != syscall.InvalidHandle {
		return
	}
	if r, _, _ := k.NewProc("AttachConsole").Call(attachParent); r == 0 {
		return // started from Explorer: no console to write to
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = f, f
	}
	if f, err := os.OpenFile("CONIN$", os.O_RDONLY, 0); err == nil {
		os.Stdin = f
	}
}
