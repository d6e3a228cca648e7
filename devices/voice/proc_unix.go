//go:build unix

package voice

import (
	"os/exec"
	"syscall"
	"time"
)

// waitDelay bounds how long Wait waits for the output pipes after the
// process was killed, should an orphaned grandchild still hold them.
const waitDelay = 2 * time.Second

// setProcAttr starts the command in its own process group and makes the
// context's cancellation kill that whole group, so that a speech engine's
// helper processes (or a fake engine's `sleep`) die with it.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
