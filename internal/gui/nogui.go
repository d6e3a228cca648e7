//go:build nogui

package gui

import (
	"fmt"
	"os"
)

// Run in a build without the window (-tags nogui: the hub and CLI for
// ARM and LoongArch servers, built with CGO_ENABLED=0) says what to run
// instead.
func Run([]string) int {
	fmt.Fprintln(os.Stderr, "此版本不含桌面窗口（nogui），请使用命令，例如中心主机：bianmin serve --db 中心.db --listen :8787；bianmin help 查看全部命令。")
	fmt.Fprintln(os.Stderr, "this build has no window (nogui): run a command, e.g. bianmin serve --db centre.db --listen :8787")
	return 2
}
