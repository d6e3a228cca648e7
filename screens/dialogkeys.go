package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// hkSelect is a drop-down that passes the dialog's or screen's keys on
// (Fyne's Select swallows Escape).
type hkSelect struct {
	widget.Select
	keys hotkeys
}

func newHKSelect(keys hotkeys, options []string) *hkSelect {
	s := &hkSelect{keys: keys}
	s.Options = options
	s.PlaceHolder = "请选择"
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey runs the keys' actions; arrows and Space choose as usual.
func (s *hkSelect) TypedKey(ev *fyne.KeyEvent) {
	if s.keys.handle(ev) {
		return
	}
	s.Select.TypedKey(ev)
}

// escapable makes Escape cancel the dialog d wherever the focus is: its hk*
// widgets hear it through keys, and while d is shown the canvas's own key
// handler (used when nothing has the focus) hears it instead of the screen's
// function keys, so F1 cannot call a ticket behind an open dialog. Call it
// before d.Show.
func (e *Env) escapable(d dialog.Dialog, keys hotkeys, cancel func()) {
	if keys != nil {
		keys[fyne.KeyEscape] = cancel
	}
	cv := e.Win.Canvas()
	prev := cv.OnTypedKey()
	cv.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			cancel()
		}
	})
	restored := false // a dialog shown again chains another of these
	d.SetOnClosed(func() {
		if !restored {
			restored = true
			cv.SetOnTypedKey(prev)
		}
	})
}

// keyConfirm is dialog.NewCustomConfirm for the keyboard: Enter on its
// buttons presses them, Escape anywhere in it cancels, and its fields made
// with keys pass Escape on. ok runs after the dialog is hidden.
func (e *Env) keyConfirm(title, confirm, dismiss string, content fyne.CanvasObject, keys hotkeys, ok func()) dialog.Dialog {
	yes := newHKButton(keys, confirm, nil)
	yes.Importance = widget.HighImportance
	no := newHKButton(keys, dismiss, nil)
	d := dialog.NewCustomWithoutButtons(title, container.NewBorder(nil,
		container.NewCenter(container.NewHBox(no, yes)), nil, nil, content), e.Win)
	yes.OnTapped = func() {
		d.Hide()
		ok()
	}
	no.OnTapped = d.Hide
	e.escapable(d, keys, d.Hide)
	return d
}
