package screens

import (
	"fmt"
	"image/color"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"bianmin/app"
)

// The ledger's list is a table with a header per column; a click on a
// header sorts by that column, a second click reverses it, a third goes back
// to the ledger's own order (overdue first, then oldest). Names sort by
// pinyin, as a Chinese reader expects.

// ledgerCol is one column of the ledger's table. The item's name comes last:
// what does not fit is the part a manager needs least (the detail has it).
type ledgerCol struct {
	title  string
	sample string // the widest text the column must show in full
	text   func(app.LedgerEntry) string
	less   func(a, b app.LedgerEntry) bool
}

var zhCollator = collate.New(language.SimplifiedChinese)

func zhLess(a, b string) bool { return zhCollator.CompareString(a, b) < 0 }

// nextDue is the first deadline not yet met, or nil.
func nextDue(e app.LedgerEntry) *app.OrderDue {
	for i := range e.Dues {
		if !e.Dues[i].Done() {
			return &e.Dues[i]
		}
	}
	return nil
}

// dueShort are the deadlines' names in the table's narrow column.
var dueShort = map[app.DueKind]string{app.DueContact: "联系", app.DueFinish: "办结", app.DueCallback: "回访",
	app.DueAppealReview: "复核"}

// nextDueText is "联系 03-05 已超期", or "" when every deadline is met; the
// detail beside the table gives the full names and the rules.
func nextDueText(e app.LedgerEntry) string {
	d := nextDue(e)
	if d == nil {
		return ""
	}
	name := dueShort[d.Kind]
	if name == "" {
		name = d.Kind.Name()
	}
	s := name + " " + d.Due.Format("01-02")
	if d.Overdue {
		s += " 已超期"
	} else if d.DueSoon {
		s += " 将到期"
	}
	return s
}

// stateRank orders the states along the loop.
func stateRank(s app.OrderState) int {
	for i, x := range []app.OrderState{app.OrderOpen, app.OrderContacted, app.OrderRectifying, app.OrderRectified,
		app.OrderCalledBack, app.OrderClosed} {
		if x == s {
			return i
		}
	}
	return 99
}

var ledgerCols = []ledgerCol{
	{"工单", "99999", func(e app.LedgerEntry) string { return fmt.Sprint(e.Order.ID) },
		func(a, b app.LedgerEntry) bool { return a.Order.ID < b.Order.ID }},
	{"日期", "12-31", func(e app.LedgerEntry) string { return dateOr(e.RatedAt, e.Order.CreatedAt).Format("01-02") },
		func(a, b app.LedgerEntry) bool {
			return dateOr(a.RatedAt, a.Order.CreatedAt).Before(dateOr(b.RatedAt, b.Order.CreatedAt))
		}},
	{"人员", "欧阳晓明", func(e app.LedgerEntry) string { return e.ClerkName },
		func(a, b app.LedgerEntry) bool { return zhLess(a.ClerkName, b.ClerkName) }},
	{"状态", "整改中", func(e app.LedgerEntry) string { return e.Order.State.Name() },
		func(a, b app.LedgerEntry) bool { return stateRank(a.Order.State) < stateRank(b.Order.State) }},
	{"下一期限", "联系 12-31 已超期", nextDueText, func(a, b app.LedgerEntry) bool {
		da, db := nextDue(a), nextDue(b)
		switch {
		case da == nil || db == nil:
			return da != nil && db == nil // orders with nothing due last
		default:
			return da.Due.Before(db.Due)
		}
	}},
	{"事项", "城乡居民医疗保险参保", func(e app.LedgerEntry) string { return e.ItemName },
		func(a, b app.LedgerEntry) bool { return zhLess(a.ItemName, b.ItemName) }},
}

func dateOr(t, alt time.Time) time.Time {
	if t.IsZero() {
		return alt
	}
	return t
}

// ledgerCell is a cell: the selected row's background and its text.
type ledgerCell struct {
	bg    *canvas.Rectangle
	label *widget.Label
}

func newLedgerTable(l *Ledger) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(l.Entries), len(ledgerCols) },
		func() fyne.CanvasObject {
			lb := widget.NewLabel("")
			lb.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(canvas.NewRectangle(color.Transparent), lb)
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < 0 || id.Row >= len(l.Entries) || id.Col < 0 || id.Col >= len(ledgerCols) {
				return
			}
			c := cellOf(o)
			e := l.Entries[id.Row]
			c.label.Text = ledgerCols[id.Col].text(e)
			c.label.Importance = widget.MediumImportance
			if e.Overdue {
				c.label.Importance = widget.DangerImportance
			}
			c.label.Refresh()
			c.bg.FillColor = color.Transparent
			if l.Selected != nil && l.Selected.Order.ID == e.Order.ID {
				c.bg.FillColor = theme.Color(theme.ColorNameSelection)
			}
			c.bg.Refresh()
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		return b
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col < 0 || id.Col >= len(ledgerCols) {
			return
		}
		b := o.(*widget.Button)
		col := id.Col
		title := ledgerCols[col].title
		if l.sortCol == col+1 {
			if l.sortDesc {
				title += " ▼"
			} else {
				title += " ▲"
			}
		}
		b.SetText(title)
		b.OnTapped = func() { l.SortBy(col) }
	}
	for i, c := range ledgerCols {
		t.SetColumnWidth(i, colWidth(c))
	}
	t.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(l.Entries) {
			l.Select(l.Entries[id.Row].Order.ID)
		}
	}
	return t
}

func cellOf(o fyne.CanvasObject) ledgerCell {
	s := o.(*fyne.Container)
	return ledgerCell{bg: s.Objects[0].(*canvas.Rectangle), label: s.Objects[1].(*widget.Label)}
}

// SortBy sorts the list by column col (0-based): ascending, then on the
// next click descending, then back to the ledger's order.
func (l *Ledger) SortBy(col int) {
	switch {
	case l.sortCol != col+1:
		l.sortCol, l.sortDesc = col+1, false
	case !l.sortDesc:
		l.sortDesc = true
	default:
		l.sortCol, l.sortDesc = 0, false
	}
	l.applySort()
	l.List.Refresh()
}

// applySort orders l.Entries by the chosen column, keeping the service's
// order among equals (and as the order when no column is chosen).
func (l *Ledger) applySort() {
	l.Entries = append([]app.LedgerEntry(nil), l.loaded...)
	if l.sortCol == 0 {
		return
	}
	less := ledgerCols[l.sortCol-1].less
	sort.SliceStable(l.Entries, func(i, j int) bool {
		if l.sortDesc {
			return less(l.Entries[j], l.Entries[i])
		}
		return less(l.Entries[i], l.Entries[j])
	})
}

// colWidth fits a column to its header with the sort mark (a button) and to
// its sample (a label), measured by the widgets that draw them.
func colWidth(c ledgerCol) float32 {
	head := widget.NewButton(c.title+" ▲", nil).MinSize().Width
	cell := widget.NewLabel(c.sample).MinSize().Width + theme.Padding()
	return max(head, cell)
}
