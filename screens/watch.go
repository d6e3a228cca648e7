package screens

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// WatchScreen is the manager's 重点关注 page: clerks with repeated valid bad
// reviews (SZ 26), clerks ranked lowest three months running (SZ 30),
// evaluators with repeated malicious verdicts (SZ 27), items with a burst of
// bad reviews (GB/T 39735 8.2.2) and runs of good ratings that look made up.
// Everything here is for the manager's attention; nothing is a verdict.
type WatchScreen struct {
	Status *widget.Label
	// Sections by name: clerks, lowrank, evaluators, items, suspicious.
	Sections map[string]*fyne.Container
	Refresh  *widget.Button
	Back     *widget.Button
	OnBack   func()

	env  *Env
	svc  *app.Service
	user *app.Staff
	obj  fyne.CanvasObject
}

type watchData struct {
	lists  *app.WatchLists
	low    []app.LowRankedClerk
	sus    []app.SuspiciousRun
	paused []app.PausedRating
}

// NewWatchScreen builds the page; call Reload to fill it.
func NewWatchScreen(env *Env, svc *app.Service, user *app.Staff) *WatchScreen {
	w := &WatchScreen{env: env, svc: svc, user: user, Sections: map[string]*fyne.Container{}}
	w.Status = widget.NewLabel("")
	w.Refresh = widget.NewButton("刷新", w.Reload)
	w.Back = widget.NewButton("返回首页", func() {
		if w.OnBack != nil {
			w.OnBack()
		}
	})
	title := widget.NewLabelWithStyle("重点关注", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, container.NewHBox(title, w.Status), container.NewHBox(w.Refresh, w.Back))
	var cards []fyne.CanvasObject
	for _, s := range []struct{ key, title string }{
		{"clerks", "工作人员：一年内有效差评3次以上，或一周内3次以上（" + app.CiteSZ(svc.Profile.Name, "第二十六条") + "）"},
		{"lowrank", "工作人员：连续三个月服务评价排名最后（" + app.CiteSZ(svc.Profile.Name, "第三十条") + "，限期整改）"},
		{"evaluators", "评价人：一年内3次以上经核实为恶意评价（" + app.CiteSZ(svc.Profile.Name, "第二十七条") + "，仅负责人可见）"},
		{"items", "差评集中的事项：7天内3次以上差评（GB/T 39735 8.2.2）"},
		{"suspicious", "可疑的好评：无取号、秒办秒结的办件半小时内连续好评（请人工核查，不作结论）"},
		{"paused", "窗口暂停服务期间收到的评价（暂停3分钟以后，近30天；请人工核查）"},
	} {
		box := container.NewVBox()
		w.Sections[s.key] = box
		cards = append(cards, card(s.title, box))
	}
	w.obj = container.NewBorder(container.NewPadded(top), nil, nil, nil,
		container.NewVScroll(container.NewPadded(container.NewVBox(cards...))))
	return w
}

// Content is the screen's canvas object.
func (w *WatchScreen) Content() fyne.CanvasObject { return w.obj }

// Reload computes the lists off the UI goroutine.
func (w *WatchScreen) Reload() {
	w.Status.SetText("正在计算…")
	w.Refresh.Disable()
	Run(w.env, func(ctx context.Context) (watchData, error) {
		var d watchData
		var err error
		if d.lists, err = w.svc.Watch(ctx, w.user); err != nil {
			return d, err
		}
		if d.low, err = w.svc.LowRanked(ctx, w.user, app.DefaultLowRankRules); err != nil {
			return d, err
		}
		if d.sus, err = w.svc.Suspicious(ctx, w.user, app.DefaultSuspiciousRules); err != nil {
			return d, err
		}
		d.paused, err = w.svc.RatedWhilePaused(ctx, w.user, 30)
		return d, err
	}, func(d watchData, err error) {
		w.Refresh.Enable()
		if err != nil {
			w.Status.SetText("计算失败")
			w.env.ShowError("watch lists failed", "重点关注", err, nil)
			return
		}
		w.Status.SetText("统计区间 " + d.lists.Period())
		w.fill(d)
	})
}

func (w *WatchScreen) fill(d watchData) {
	set := func(key string, lines []string) {
		box := w.Sections[key]
		box.RemoveAll()
		if len(lines) == 0 {
			l := widget.NewLabel("无")
			l.Importance = widget.LowImportance
			box.Add(l)
			return
		}
		for _, s := range lines {
			l := widget.NewLabel(s)
			l.Wrapping = fyne.TextWrapWord
			box.Add(l)
		}
	}
	var lines []string
	for _, c := range d.lists.Clerks {
		lines = append(lines, fmt.Sprintf("%s %s：%s（工单 %s）", c.No, c.Name, c.Reason, ids(c.OrderIDs)))
	}
	set("clerks", lines)

	lines = nil
	for _, c := range d.low {
		var months []string
		for i, m := range c.Months {
			v := fmt.Sprintf("%.2f", c.Values[i])
			if c.Measure == "好评率" {
				v = fmt.Sprintf("%.1f%%", c.Values[i])
			}
			months = append(months, fmt.Sprintf("%s %s%s（%d人中第%d低）", m, c.Measure, v, c.Ranked[i], c.Ranks[i]))
		}
		lines = append(lines, fmt.Sprintf("%s %s：%s", c.No, c.Name, strings.Join(months, "；")))
	}
	set("lowrank", lines)

	lines = nil
	for _, e := range d.lists.Evaluators {
		lines = append(lines, fmt.Sprintf("%s %s：恶意评价%d次（工单 %s）", e.Name, e.Tel, e.Count, ids(e.OrderIDs)))
	}
	set("evaluators", lines)

	lines = nil
	for _, it := range d.lists.Items {
		lines = append(lines, fmt.Sprintf("%s %s：%s 至 %s 差评%d次（工单 %s）", it.ItemCode, it.ItemName,
			it.From.Format("01-02"), it.To.Format("01-02"), it.Count, ids(it.OrderIDs)))
	}
	set("items", lines)

	lines = nil
	for _, r := range d.sus {
		lines = append(lines, fmt.Sprintf("%d号窗口 %s %s–%s 连续好评%d次（%s）：%s", r.Window, r.From.Format("01-02"),
			r.From.Format("15:04"), r.To.Format("15:04"), r.Count, strings.Join(r.ClerkNames, "、"), strings.Join(r.Serials, "、")))
	}
	set("suspicious", lines)

	lines = nil
	for _, r := range d.paused {
		lines = append(lines, fmt.Sprintf("%d号窗口 %s 暂停服务（自 %s 起）时收到%s评价“%s”：%s（%s）", r.Window,
			r.RatedAt.Format("01-02 15:04"), r.PausedSince.Format("15:04"), r.Channel.Name(), r.Level.Name(), r.Serial, r.ClerkName))
	}
	set("paused", lines)
}

func ids(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, "、")
}

// openWatch shows the watch lists in the dashboard's window.
func (d *Dashboard) openWatch() {
	w := NewWatchScreen(d.env, d.svc, d.user)
	d.WatchScreen = w
	w.OnBack = d.ShowSub("watch", w.Content())
	w.Reload()
}
