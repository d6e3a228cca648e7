package screens

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"bianmin/app/pinyinime"
)

// keyPinyin switches the built-in pinyin input on and off.
const keyPinyin = fyne.KeyF5

// pinyinSwitch is the on/off state shared by a screen's pinyin fields.
type pinyinSwitch struct{ on bool }

// pinyinField is the built-in pinyin input of one entry (package
// pinyinime): while it is on, lower-case letters compose, Space takes the
// first candidate and 1–9 the others, Backspace edits the letters, Escape
// drops them and Enter puts them in as typed. The candidates show in Bar,
// right under the field; the system's IME, when there is one, works as
// before with the switch off.
type pinyinField struct {
	sw    *pinyinSwitch
	e     *hkEntry
	mode  pinyinime.Mode
	Bar   *widget.Label
	buf   string
	cands []pinyinime.Candidate
}

const maxCandidates = 9

func newPinyinField(sw *pinyinSwitch, e *hkEntry, mode pinyinime.Mode) *pinyinField {
	f := &pinyinField{sw: sw, e: e, mode: mode, Bar: widget.NewLabel("")}
	f.Bar.Importance = widget.HighImportance
	f.Bar.Hide()
	e.py = f
	return f
}

func (f *pinyinField) composing() bool { return f.buf != "" }

func (f *pinyinField) typedRune(r rune) bool {
	if !f.sw.on {
		return false
	}
	switch {
	case r >= 'a' && r <= 'z':
		f.buf += string(r)
		f.update()
		return true
	case !f.composing():
		return false
	case r == ' ':
		f.choose(0)
		return true
	case r >= '1' && r <= '9':
		f.choose(int(r - '1'))
		return true
	}
	return true // other characters while composing are swallowed, not mixed in
}

func (f *pinyinField) typedKey(ev *fyne.KeyEvent) bool {
	if !f.composing() {
		return false
	}
	switch ev.Name {
	case fyne.KeyBackspace:
		f.buf = f.buf[:len(f.buf)-1]
		f.update()
	case fyne.KeyEscape:
		f.buf = ""
		f.update()
	case fyne.KeyReturn, fyne.KeyEnter:
		raw := f.buf
		f.buf = ""
		f.update()
		f.insert(raw)
	default:
		return false
	}
	return true
}

// choose puts candidate i in; the letters it did not use stay.
func (f *pinyinField) choose(i int) {
	if i >= len(f.cands) {
		return
	}
	c := f.cands[i]
	rest := pinyinime.Rest(f.buf, c)
	f.insert(c.Text)
	f.buf = rest
	f.update()
}

func (f *pinyinField) insert(s string) {
	for _, r := range s {
		f.e.Entry.TypedRune(r)
	}
}

// position is how many characters come before the cursor (0: a surname).
func (f *pinyinField) position() int {
	if f.e.MultiLine {
		return 1
	}
	return min(f.e.CursorColumn, len([]rune(f.e.Text)))
}

func (f *pinyinField) update() {
	if f.buf == "" {
		f.cands = nil
		f.Bar.SetText("")
		f.Bar.Hide()
		return
	}
	f.cands = pinyinime.Candidates(f.buf, f.mode, f.position(), maxCandidates)
	var b strings.Builder
	b.WriteString(f.buf + "　")
	if len(f.cands) == 0 {
		b.WriteString("（没有对应的汉字，退格修改）")
	}
	for i, c := range f.cands {
		fmt.Fprintf(&b, "%d.%s ", i+1, c.Text)
	}
	f.Bar.SetText(strings.TrimSpace(b.String()))
	f.Bar.Show()
}

// off drops what is being composed (the switch went off).
func (f *pinyinField) off() {
	f.buf = ""
	f.update()
}
