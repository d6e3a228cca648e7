//go:build linux && !wayland && !nogui

package gui

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>

static int bm_move(unsigned long win, int x, int y) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return 0;
	XMoveWindow(d, (Window)win, x, y);
	XSync(d, False);
	XCloseDisplay(d);
	return 1;
}
*/
import "C"

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// moveNative moves the X11 window to (x, y) on the screen. Any client may
// move a window, so a connection of our own does it; GLFW hears the move
// (ConfigureNotify) and Fyne then knows which monitor the window is on.
func moveNative(w fyne.Window, x, y int) bool {
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return false
	}
	moved := false
	nw.RunNative(func(ctx any) {
		if c, ok := ctx.(driver.X11WindowContext); ok && c.WindowHandle != 0 {
			moved = C.bm_move(C.ulong(c.WindowHandle), C.int(x), C.int(y)) == 1
		}
	})
	return moved
}
