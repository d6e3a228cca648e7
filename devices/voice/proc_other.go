//go:build !unix && !windows

package voice

import (
	"os/exec"
	"time"
)

const waitDelay = 2 * time.Second

func setProcAttr(cmd *exec.Cmd) {}
