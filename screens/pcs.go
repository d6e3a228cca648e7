package screens

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// PCAdmin is the hub's list of LAN PCs (main wires sync/lan's Registry).
type PCAdmin interface {
	PCs(ctx context.Context) ([]app.PC, []app.Window, error)
	// AddPC returns the join code the PC joins with.
	AddPC(ctx context.Context, actor *app.Staff, role app.PCRole, window int, name string) (app.PC, string, error)
	RevokePC(ctx context.Context, actor *app.Staff, id int64) error
}

// PCList is the manager's 局域网电脑 screen: which PCs may use the hub, in
// which role; 添加电脑 gives a join code for a new one, 撤销 shuts one out at
// once (a PC that was stolen, sold or replaced).
type PCList struct {
	List   *widget.List
	Add    *widget.Button
	Revoke *widget.Button
	Back   *widget.Button
	Status *widget.Label
	// OnBack runs when the manager leaves the screen.
	OnBack func()

	PCs      []app.PC
	Selected *app.PC
	// Code is the last join code shown (for tests).
	Code string

	env     *Env
	src     PCAdmin
	user    *app.Staff
	windows map[int64]int
	obj     fyne.CanvasObject
}

// NewPCList builds the screen; call Reload to fill it.
func NewPCList(env *Env, src PCAdmin, user *app.Staff) *PCList {
	p := &PCList{env: env, src: src, user: user, windows: map[int64]int{}}
	p.Status = widget.NewLabel("")
	p.Status.Wrapping = fyne.TextWrapWord
	p.Add = widget.NewButton("添加电脑", p.showAdd)
	p.Add.Importance = widget.HighImportance
	p.Revoke = widget.NewButton("撤销所选电脑", p.confirmRevoke)
	p.Revoke.Disable()
	p.Back = widget.NewButton("返回 (Esc)", func() {
		if p.OnBack != nil {
			p.OnBack()
		}
	})
	p.List = widget.NewList(func() int { return len(p.PCs) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.row(p.PCs[i])) })
	p.List.OnSelected = func(i widget.ListItemID) {
		if i < 0 || i >= len(p.PCs) {
			return
		}
		pc := p.PCs[i]
		p.Selected = &pc
		if pc.Revoked() {
			p.Revoke.Disable()
		} else {
			p.Revoke.Enable()
		}
	}
	title := widget.NewLabelWithStyle("局域网电脑", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	note := widget.NewLabel("每台窗口电脑、取号机、大厅屏都要先在这里添加，再在该电脑上输入加入码。" +
		"取号机和大厅屏看不到群众的个人信息；窗口电脑只能办理本窗口的业务。电脑丢失、报废或更换时请撤销。")
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	top := container.NewBorder(nil, nil, title, container.NewHBox(p.Add, p.Revoke, p.Back))
	p.obj = container.NewBorder(container.NewPadded(container.NewVBox(top, note, p.Status)), nil, nil, nil,
		card("已添加的电脑", p.List))
	return p
}

// Content is the screen's canvas object.
func (p *PCList) Content() fyne.CanvasObject { return p.obj }

// TypedKey handles Esc: back.
func (p *PCList) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && p.OnBack != nil {
		p.OnBack()
	}
}

func (p *PCList) row(pc app.PC) string {
	// The default names ("3号窗口电脑", "取号机") already say role and window.
	win := "  " + pc.Role.Name()
	if pc.WindowID != 0 {
		win += fmt.Sprintf("（%d号窗口）", p.windows[pc.WindowID])
	}
	if pc.Name == pc.Role.Name() || pc.Name == fmt.Sprintf("%d号窗口电脑", p.windows[pc.WindowID]) {
		win = ""
	}
	joined := ""
	if !pc.EnrolledAt.IsZero() {
		joined = "  加入于 " + pc.EnrolledAt.Format("01-02 15:04")
		if pc.Host != "" {
			joined += "（" + pc.Host + "）"
		}
	}
	return fmt.Sprintf("%d  %s%s  %s%s", pc.ID, pc.Name, win, pc.State(time.Now()), joined)
}

// Reload reads the list again.
func (p *PCList) Reload() {
	type result struct {
		pcs []app.PC
		ws  []app.Window
	}
	Run(p.env, func(ctx context.Context) (result, error) {
		pcs, ws, err := p.src.PCs(ctx)
		return result{pcs, ws}, err
	}, func(r result, err error) {
		if err != nil {
			p.env.ShowError("PC list unreadable", "局域网电脑", err, nil)
			return
		}
		p.PCs = r.pcs
		for _, w := range r.ws {
			p.windows[w.ID] = w.Number
		}
		p.Selected = nil
		p.Revoke.Disable()
		p.List.UnselectAll()
		p.List.Refresh()
		p.env.shown("pcs")
	})
}

func (p *PCList) showAdd() {
	role := newSelect([]string{app.PCCounter.Name(), app.PCKiosk.Name(), app.PCDisplay.Name()}, nil)
	window := widget.NewEntry()
	window.SetPlaceHolder("例如 3")
	name := widget.NewEntry()
	name.SetPlaceHolder("可不填，例如 3号窗口电脑")
	role.OnChanged = func(s string) {
		if s == app.PCCounter.Name() {
			window.Enable()
		} else {
			window.Disable()
		}
	}
	role.SetSelected(app.PCCounter.Name())
	form := widget.NewForm(widget.NewFormItem("角色", role), widget.NewFormItem("窗口号", window),
		widget.NewFormItem("名称", name))
	d := dialog.NewCustomConfirm("添加电脑", "生成加入码", "取消", form, func(ok bool) {
		if !ok {
			return
		}
		r := map[string]app.PCRole{app.PCCounter.Name(): app.PCCounter, app.PCKiosk.Name(): app.PCKiosk,
			app.PCDisplay.Name(): app.PCDisplay}[role.Selected]
		n, _ := strconv.Atoi(strings.TrimSpace(window.Text))
		p.AddPC(r, n, name.Text)
	}, p.env.Win)
	d.Resize(fyne.NewSize(420, 0))
	p.env.escapable(d, nil, d.Hide)
	d.Show()
}

// AddPC adds a PC as the 添加电脑 dialog does and shows its join code.
func (p *PCList) AddPC(role app.PCRole, window int, name string) {
	type added struct {
		pc   app.PC
		code string
	}
	Run(p.env, func(ctx context.Context) (added, error) {
		pc, code, err := p.src.AddPC(ctx, p.user, role, window, name)
		return added{pc, code}, err
	}, func(a added, err error) {
		if err != nil {
			p.env.ShowError("PC not added", "添加电脑", err, nil)
			return
		}
		p.Code = a.code
		p.Status.SetText(fmt.Sprintf("已添加 %s，请在该电脑上输入加入码（24小时内有效，只能用一次）。", a.pc.Name))
		code := widget.NewLabelWithStyle(a.code, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true, Bold: true})
		msg := widget.NewLabel(fmt.Sprintf("%s的加入码。请在该电脑上运行 bianmin join 加入码（或打开程序时加 --join 加入码）。"+
			"24小时内有效、只能用一次，请勿告诉无关人员。", a.pc.Name))
		msg.Wrapping = fyne.TextWrapWord
		copyBtn := widget.NewButton("复制加入码", func() {
			fyne.CurrentApp().Clipboard().SetContent(a.code)
			p.Status.SetText("加入码已复制。")
		})
		d := dialog.NewCustom("加入码", "关闭", container.NewVBox(msg, code, container.NewCenter(copyBtn)), p.env.Win)
		d.Resize(fyne.NewSize(720, 0))
		p.env.escapable(d, nil, d.Hide)
		d.Show()
		p.Reload()
	})
}

func (p *PCList) confirmRevoke() {
	if p.Selected == nil {
		return
	}
	pc := *p.Selected
	d := dialog.NewConfirm("撤销电脑", fmt.Sprintf("撤销后，%s（%s）立即不能再连接中心主机，如需恢复须重新添加。确定撤销？",
		pc.Name, pc.Role.Name()), func(ok bool) {
		if ok {
			p.RevokePC(pc.ID)
		}
	}, p.env.Win)
	p.env.escapable(d, nil, d.Hide)
	d.Show()
}

// RevokePC revokes a PC as the confirmed 撤销 does.
func (p *PCList) RevokePC(id int64) {
	Run(p.env, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.src.RevokePC(ctx, p.user, id)
	}, func(_ struct{}, err error) {
		if err != nil {
			p.env.ShowError("PC not revoked", "撤销电脑", err, nil)
			return
		}
		p.Status.SetText(fmt.Sprintf("已撤销编号 %d 的电脑。", id))
		p.Reload()
	})
}
