//go:build !nogui && !windows && !(linux && !wayland)

package gui

import "fyne.io/fyne/v2"

// moveNative: no way to place a window here (Wayland does not let clients,
// macOS is not a target).
func moveNative(fyne.Window, int, int) bool { return false }
