//go:build windows && !nogui

package gui

import (
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

var setWindowPos = syscall.NewLazyDLL("user32.dll").NewProc("SetWindowPos")

// moveNative moves the window to (x, y) on the virtual screen with
// SetWindowPos (size, Z order and activation unchanged).
func moveNative(w fyne.Window, x, y int) bool {
	const swpNoSize, swpNoZOrder, swpNoActivate = 0x0001, 0x0004, 0x0010
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return false
	}
	moved := false
	nw.RunNative(func(ctx any) {
		if c, ok := ctx.(driver.WindowsWindowContext); ok && c.HWND != 0 {
			r, _, _ := setWindowPos.Call(c.HWND, 0, uintptr(x), uintptr(y), 0, 0, swpNoSize|swpNoZOrder|swpNoActivate)
			moved = r != 0
		}
	})
	return moved
}
