//go:build !nogui

package gui

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// The customer-facing rating window (窗口双屏) belongs on the PC's second
// monitor, facing the applicant; the clerk's own window stays on the
// primary one. Fyne cannot place a window, so placeOnOtherScreen finds the
// monitor with GLFW and moves the native window (moveNative, per platform).

// screenArea is a monitor's work area in screen pixels.
type screenArea struct{ X, Y, W, H int }

// otherScreen is the first monitor that is not the primary one.
func otherScreen(areas []screenArea, primary int) (screenArea, bool) {
	for i, a := range areas {
		if i != primary && a.W > 0 && a.H > 0 {
			return a, true
		}
	}
	return screenArea{}, false
}

// monitorAreas lists the monitors' work areas and which is the primary;
// on the main goroutine, after the app started.
func monitorAreas() ([]screenArea, int) {
	if !started.Load() {
		return nil, -1
	}
	primary := glfw.GetPrimaryMonitor()
	var out []screenArea
	p := -1
	for i, m := range glfw.GetMonitors() {
		x, y, w, h := m.GetWorkarea()
		out = append(out, screenArea{x, y, w, h})
		if m == primary {
			p = i
		}
	}
	return out, p
}

// placeOnOtherScreen moves w onto a monitor other than the primary and
// sizes it to fill that monitor's work area; false when the PC has one
// monitor (or the window system does not let us move windows).
func placeOnOtherScreen(w fyne.Window) bool {
	areas, primary := monitorAreas()
	a, ok := otherScreen(areas, primary)
	if !ok || !moveNative(w, a.X, a.Y) {
		return false
	}
	scale := w.Canvas().Scale()
	if scale <= 0 {
		scale = 1
	}
	w.Resize(fyne.NewSize(float32(a.W)/scale-windowChrome.Width, float32(a.H)/scale-windowChrome.Height))
	return true
}
