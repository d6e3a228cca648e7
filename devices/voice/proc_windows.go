//go:build windows

package voice

import (
	"os/exec"
	"syscall"
	"time"
)

const waitDelay = 2 * time.Second

// createNoWindow keeps PowerShell from flashing a console window over the
// hall display at every announcement.
const createNoWindow = 0x08000000

// setProcAttr hides the child's console window. Cancellation kills the
// process itself, which ends the speech: SAPI speaks in-process.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow}
}
