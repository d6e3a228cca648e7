//go:build !nogui && !windows

package gui

import "os/exec"

// fatalBox shows the message with zenity where the desktop has it (UOS and
// Kylin do); the message is on stderr in any case.
func fatalBox(title, text string) {
	if p, err := exec.LookPath("zenity"); err == nil {
		_ = exec.Command(p, "--error", "--no-wrap", "--title", title, "--text", text).Run()
	}
}
