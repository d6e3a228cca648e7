package screens

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// CaseFinder finds the cases still open (在办): *app.Service.
type CaseFinder interface {
	OpenCases(ctx context.Context, actor *app.Staff, query string, windowID int64) ([]app.OpenCase, error)
	CaseBySerial(ctx context.Context, actor *app.Staff, serial string) (app.OpenCase, error)
}

var _ CaseFinder = (*app.Service)(nil)

const keyCases = fyne.KeyF12

// serialPattern is a 流水号 as printed and encoded on receipts: BM, the date,
// a node number and a sequence.
var serialPattern = regexp.MustCompile(`^BM\d{14}$`)

// IsSerial reports whether s looks like a 流水号 (a receipt scanned into the
// item search opens that case instead of searching for an item).
func IsSerial(s string) bool { return serialPattern.MatchString(strings.ToUpper(strings.TrimSpace(s))) }

// CasesDialog is the 在办件 dialog: search by 流水号, name or ID number;
// Enter opens the first result; Esc closes.
type CasesDialog struct {
	Query *hkEntry
	List  *fyne.Container
	Rows  []*hkButton
	Note  *widget.Label
	Cases []app.OpenCase
	d     dialog.Dialog
}

// Hide closes the dialog.
func (cd *CasesDialog) Hide() { cd.d.Hide() }

// CasesShown is the last 在办件 dialog (for tests).
func (c *Counter) CasesShown() *CasesDialog { return c.cases }

// openCases shows the 在办件 dialog.
func (c *Counter) openCases() {
	if c.deps.Cases == nil {
		return
	}
	cd := &CasesDialog{}
	keys := hotkeys{}
	cd.Query = newHKEntry(keys, "流水号（可扫回执条码）、申请人姓名或身份证号，回车打开第一条")
	cd.List = container.NewVBox()
	cd.Note = widget.NewLabel("")
	cd.Note.Wrapping = fyne.TextWrapWord
	load := func() {
		q := strings.TrimSpace(cd.Query.Text)
		Run(c.env, func(ctx context.Context) ([]app.OpenCase, error) {
			return c.deps.Cases.OpenCases(ctx, c.Clerk, q, 0)
		}, func(cs []app.OpenCase, err error) {
			if err != nil {
				cd.Note.SetText(app.UserMessage(err))
				return
			}
			c.showCaseRows(cd, cs)
		})
	}
	cd.Query.OnChanged = func(string) { load() }
	cd.Query.OnSubmitted = func(string) {
		if len(cd.Cases) > 0 {
			c.takeCase(cd.Cases[0])
		}
	}
	closeB := widget.NewButton("关闭 (Esc)", nil)
	content := container.NewBorder(container.NewVBox(cd.Query, cd.Note), container.NewCenter(closeB), nil, nil,
		container.NewVScroll(cd.List))
	cd.d = dialog.NewCustomWithoutButtons("在办件（承诺件、待受理）", content, c.env.Win)
	closeB.OnTapped = cd.d.Hide
	keys[fyne.KeyEscape] = cd.d.Hide
	cd.d.Resize(fyne.NewSize(900, 600))
	c.cases = cd
	cd.d.Show()
	c.env.Win.Canvas().Focus(cd.Query)
	load()
}

// caseLine is one case in the list.
func caseLine(oc app.OpenCase) string {
	due := "即办件"
	if !oc.Due.IsZero() {
		due = "限 " + oc.Due.Format("01-02") + " 办结"
	} else if oc.Tx.Status == app.TxRegistered {
		due = "待受理"
	}
	win := ""
	if oc.WindowNo > 0 {
		win = fmt.Sprintf("%d号窗口", oc.WindowNo)
	}
	return fmt.Sprintf("%s　%s　%s　%s　第%d次来办　%s　【%s】", oc.Tx.Serial, app.MaskName(oc.Tx.ApplicantName),
		oc.ItemName, win, oc.Tx.Visits, due, oc.State())
}

func (c *Counter) showCaseRows(cd *CasesDialog, cs []app.OpenCase) {
	cd.Cases, cd.Rows = cs, nil
	var objs []fyne.CanvasObject
	overdue, today := 0, 0
	for _, oc := range cs {
		b := newHKButton(hotkeys{}, caseLine(oc), func() { c.takeCase(oc) })
		b.Alignment = widget.ButtonAlignLeading
		switch {
		case oc.Overdue:
			b.Importance = widget.DangerImportance
			overdue++
		case oc.DueToday:
			b.Importance = widget.WarningImportance
			today++
		}
		cd.Rows = append(cd.Rows, b)
		objs = append(objs, b)
	}
	cd.List.Objects = objs
	cd.List.Refresh()
	msg := fmt.Sprintf("共 %d 件在办", len(cs))
	if overdue > 0 || today > 0 {
		msg += fmt.Sprintf("，其中已超期 %d 件、今日到期 %d 件", overdue, today)
	}
	if len(cs) == 0 {
		msg = "没有符合条件的在办件"
	}
	cd.Note.SetText(msg)
}

// openSerial reopens the case with a scanned or typed 流水号.
func (c *Counter) openSerial(serial string) {
	Run(c.env, func(ctx context.Context) (app.OpenCase, error) {
		return c.deps.Cases.CaseBySerial(ctx, c.Clerk, strings.ToUpper(strings.TrimSpace(serial)))
	}, func(oc app.OpenCase, err error) {
		if err != nil {
			c.hallErr("open case", err)
			return
		}
		setText(&c.ItemQuery.Entry, "")
		c.takeCase(oc)
	})
}

// takeCase puts an open case on the form to be continued: 办结 F9, 退件, or
// 受理 F8 for one only registered. Its applicant and items are shown as
// stored; nothing can be edited.
func (c *Counter) takeCase(oc app.OpenCase) {
	if c.cases != nil {
		c.cases.Hide()
	}
	if c.locked() || !c.isEmptyDraft(c.draft()) {
		c.status(false, "请先办完或清空当前表单，再调出办件 "+oc.Tx.Serial)
		return
	}
	group := append([]app.Transaction(nil), oc.Group...)
	sort.SliceStable(group, func(i, j int) bool { return group[i].ID == oc.Tx.ID && group[j].ID != oc.Tx.ID })
	c.restored = true
	setText(&c.Name.Entry, oc.Tx.ApplicantName)
	setText(&c.Phone.Entry, oc.Tx.Phone)
	setText(&c.Agent.Entry, oc.Tx.AgentName)
	c.IDMasked.SetText(oc.Tx.IDMasked)
	c.showIDMode(oc.Tx.IDMasked != "")
	c.Items = nil
	for _, t := range group {
		if t.IsTheme {
			it := app.ServiceItem{Code: t.ItemCode, Name: t.ItemName, Instant: !oc.Promised}
			c.ThemeIt = &it
			continue
		}
		c.Items = append(c.Items, app.ServiceItem{Code: t.ItemCode, Name: t.ItemName, Instant: !oc.Promised})
	}
	c.Registered = group
	c.restored = false
	c.lockForm()
	c.changed()
	msg := fmt.Sprintf("已调出办件 %s（%s，%s，第%d次来办）", oc.Tx.Serial, oc.ItemName, oc.Tx.Status.Name(), oc.Tx.Visits)
	if !oc.Due.IsZero() {
		msg += "，限 " + oc.Due.Format("01-02") + " 办结"
	}
	if oc.Overdue {
		msg += "，已超期"
	}
	if oc.Tx.Status == app.TxRegistered {
		msg += "。受理按 F8"
	} else {
		msg += "。办结按 F9，材料仍不全可退件"
	}
	c.status(!oc.Overdue, msg)
	c.focus(c.Complete)
}
