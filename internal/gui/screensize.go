//go:build !nogui

package gui

import (
	"sync/atomic"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// Fyne has no "maximise": a window opens at the size it is given, and a
// counter PC's screen is often only 1024×768 (or 1366×768). fitToScreen
// sizes a window to the primary monitor's work area (the screen less the
// taskbar), leaving room for the title bar, capped at max — the window then
// opens filling the screen on a small one and at a comfortable size on a
// large one.

// started is set once the app's event loop runs (GLFW is initialised then).
var started atomic.Bool

// windowChrome is what the title bar and borders take around the content.
var windowChrome = fyne.NewSize(16, 40)

func watchStart(a fyne.App) {
	a.Lifecycle().SetOnStarted(func() {
		started.Store(true)
		for _, f := range pendingFits {
			f()
		}
		pendingFits = nil
	})
}

// pendingFits run when the loop starts (windows made before a.Run); only
// touched on the main goroutine.
var pendingFits []func()

func fitToScreen(w fyne.Window, max fyne.Size) {
	w.Resize(max)
	fit := func() {
		m := glfw.GetPrimaryMonitor()
		if m == nil {
			return
		}
		_, _, ww, wh := m.GetWorkarea()
		if ww <= 0 || wh <= 0 {
			return
		}
		scale := w.Canvas().Scale()
		if scale <= 0 {
			scale = 1
		}
		s := fyne.NewSize(min(max.Width, float32(ww)/scale-windowChrome.Width),
			min(max.Height, float32(wh)/scale-windowChrome.Height))
		w.Resize(s)
		w.CenterOnScreen()
	}
	if started.Load() {
		fyne.Do(fit)
		return
	}
	pendingFits = append(pendingFits, fit)
}
