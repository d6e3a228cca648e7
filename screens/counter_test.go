package screens

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

var testClerk = &app.Staff{ID: 7, No: "0007", Name: "李晓红", Role: app.RoleClerk, Active: true}

type counterRig struct {
	env     *Env
	hall    *fakeHall
	reg     *fakeReg
	drafts  Drafts
	ui      uiQueue
	rated   []app.Transaction
	shown   []RatingTarget
	notices []Notice
	c       *Counter
}

func newCounterRig(t *testing.T, drafts Drafts) *counterRig {
	t.Helper()
	r := &counterRig{env: syncEnv(t), hall: newFakeHall(), reg: newFakeReg(), drafts: drafts, ui: newUIQueue()}
	r.open(t)
	return r
}

// open builds the counter (again) on the rig's window, as reopening the screen does.
func (r *counterRig) open(t *testing.T) {
	t.Helper()
	if r.c != nil {
		r.c.Stop()
	}
	r.c = NewCounter(r.env, CounterDeps{
		Hall: r.hall, Reg: r.reg, Clerk: testClerk, WindowID: 11, Drafts: r.drafts,
		SignIn: func(_ context.Context, no, pin string) (*app.Staff, error) {
			if no == "0008" && pin == "246810" {
				return &app.Staff{ID: 8, No: "0008", Name: "赵志强", Role: app.RoleClerk, Active: true}, nil
			}
			return nil, &app.UserError{Code: "bad_login", Msg: "工号或密码不正确"}
		},
		PrintNotice: func(n Notice) error { r.notices = append(r.notices, n); return nil },
		StartRating: func(tx app.Transaction) { r.rated = append(r.rated, tx) },
		ShowRating:  func(tg RatingTarget) { r.shown = append(r.shown, tg) },
		Do:          r.ui.do,
	})
	r.env.Win.SetContent(r.c.Content())
	r.c.Start()
	t.Cleanup(r.c.Stop)
}

// press sends a key to whatever has the focus, as the keyboard does.
func (r *counterRig) press(t *testing.T, k fyne.KeyName) {
	t.Helper()
	if f := r.env.Win.Canvas().Focused(); f != nil {
		f.TypedKey(key(k))
		return
	}
	h := r.env.Win.Canvas().OnTypedKey()
	if h == nil {
		t.Fatalf("nothing has the focus and the canvas has no key handler for %s", k)
	}
	h(key(k))
}

// fill types a valid registration for one item, materials all received.
func (r *counterRig) fill(t *testing.T, id string) {
	t.Helper()
	c := r.c
	typeInto(t, r.env, c.Name, "王秀英")
	enter(c.Name)
	typeInto(t, r.env, c.ID, id)
	r.env.Win.Canvas().FocusNext() // Tab, as the clerk does
	typeInto(t, r.env, c.Phone, "13812345678")
	enter(c.Phone)
	typeInto(t, r.env, c.ItemQuery, "X001") // a barcode scanner: the code and Enter
	enter(c.ItemQuery)
	for _, ch := range c.Materials["X001"] {
		test.Tap(ch)
	}
}

func TestCounterQueueKeys(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	if c.WindowTitle.Text != "1号窗口" || c.Waiting.Text != "等候 3 人" {
		t.Errorf("top: %q, %q", c.WindowTitle.Text, c.Waiting.Text)
	}
	if !strings.Contains(c.ClerkLabel.Text, "0007 李晓红") {
		t.Errorf("clerk shown %q", c.ClerkLabel.Text)
	}
	if r.env.Win.Canvas().Focused() != c.Name {
		t.Fatalf("focus on %T, want the applicant's name", r.env.Win.Canvas().Focused())
	}
	for label, b := range map[string]*hkButton{"叫号 F1": c.Call, "重呼 F2": c.Recall, "过号 F3": c.NoShow,
		"转移 F4": c.Transfer, "暂停 F6": c.Pause, "换岗 F7": c.HandOver, "结束服务 F10": c.Finish} {
		if b.Text != label {
			t.Errorf("button %q, want %q", b.Text, label)
		}
	}

	// F1 in the name field calls the next ticket; the name stays untouched.
	test.Type(c.Name, "王")
	r.press(t, fyne.KeyF1)
	if got := r.hall.called("CallNext"); !slices.Equal(got, []string{"CallNext 11 7"}) {
		t.Fatalf("CallNext calls %q", got)
	}
	if c.Ticket.Text != "A001" || c.Waiting.Text != "等候 2 人" || c.Name.Text != "王" {
		t.Errorf("after F1: ticket %q, %q, name %q", c.Ticket.Text, c.Waiting.Text, c.Name.Text)
	}
	assertShown(t, r.env.Win, "A001")

	// F2 recalls, F3 marks a no-show; 召回 calls it back.
	r.press(t, fyne.KeyF2)
	if len(r.hall.called("Recall 11")) != 1 || !strings.Contains(c.TicketSub.Text, "已呼 2 次") {
		t.Errorf("recall: %q, %q", r.hall.called("Recall"), c.TicketSub.Text)
	}
	r.press(t, fyne.KeyF3)
	if c.Ticket.Text != "—" || c.CallBacks[1] == nil {
		t.Fatalf("after 过号: ticket %q, recall list %v", c.Ticket.Text, c.CallBacks)
	}
	test.Tap(c.CallBacks[1])
	if c.Ticket.Text != "A001" || len(c.CallBacks) != 0 {
		t.Errorf("after 召回: ticket %q, recall list %v", c.Ticket.Text, c.CallBacks)
	}

	// F6 pauses and resumes; the state shows at the top.
	r.press(t, fyne.KeyF6)
	if c.PausedLabel.Text != "暂停服务中" || c.Pause.Text != "恢复 F6" {
		t.Errorf("paused: %q %q", c.PausedLabel.Text, c.Pause.Text)
	}
	r.press(t, fyne.KeyF6)
	if c.PausedLabel.Text != "" || !slices.Equal(r.hall.called("SetPaused"), []string{"SetPaused 11 true", "SetPaused 11 false"}) {
		t.Errorf("resume: %q %q", c.PausedLabel.Text, r.hall.called("SetPaused"))
	}

	// A refusal from the queue is shown in place.
	r.hall.windows[11].Current = nil
	r.hall.waiting = nil
	c.Reload()
	r.press(t, fyne.KeyF1)
	if !strings.Contains(c.Status.Text, "当前没有等候的号") {
		t.Errorf("empty queue: status %q", c.Status.Text)
	}
}

func TestCounterTransferAndHandOver(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	r.press(t, fyne.KeyF1)
	r.press(t, fyne.KeyF4)
	f := c.TransferDialog()
	if f == nil {
		t.Fatal("F4 opened no transfer dialog")
	}
	if !slices.Equal(f.Window.Options, []string{"（该类别任一窗口）", "2号窗口"}) {
		t.Errorf("windows offered %q", f.Window.Options)
	}
	f.Category.SetSelected("B 社保医保")
	f.Return.SetChecked(true)
	f.Submit()
	if got := r.hall.called("Transfer"); !slices.Equal(got, []string{"Transfer from=11 cat=2 win=0 return=true"}) {
		t.Errorf("transfer %q", got)
	}
	if c.Ticket.Text != "—" {
		t.Errorf("ticket after transfer %q", c.Ticket.Text)
	}

	// B clerk signs in: a wrong password is refused in the dialog.
	r.press(t, fyne.KeyF7)
	h := c.HandOverDialog()
	if h == nil || h.Post.Selected != "B岗" {
		t.Fatalf("hand-over dialog %+v", h)
	}
	h.No.SetText("0008")
	h.PIN.SetText("000000")
	h.Submit()
	if h.Status.Text != "工号或密码不正确" || c.Clerk.ID != 7 {
		t.Errorf("wrong password: %q, clerk %d", h.Status.Text, c.Clerk.ID)
	}
	h.PIN.SetText("246810")
	h.Submit()
	if got := r.hall.called("SignIn"); !slices.Equal(got, []string{"SignIn 11 8 B"}) || c.Clerk.ID != 8 {
		t.Fatalf("sign-in %q, clerk %d", got, c.Clerk.ID)
	}
	if !strings.Contains(c.ClerkLabel.Text, "0008 赵志强（B岗）") {
		t.Errorf("clerk shown %q", c.ClerkLabel.Text)
	}
	r.press(t, fyne.KeyF1)
	if got := r.hall.called("CallNext"); got[len(got)-1] != "CallNext 11 8" {
		t.Errorf("after the hand-over the call is by %q", got)
	}
}

func TestCounterRegistersAndCompletes(t *testing.T) {
	r := newCounterRig(t, memDrafts{})
	c := r.c
	r.press(t, fyne.KeyF1) // A001 at the window
	id := validID("11010519491231002")
	r.fill(t, id)
	if c.IDNumber != id || !c.IDMasked.Visible() || c.ID.Visible() {
		t.Fatalf("ID not accepted: %q, masked shown %t", c.IDNumber, c.IDMasked.Visible())
	}
	if want := "110105********002X"; !strings.HasPrefix(c.IDMasked.Text, app.MaskID(id)) || app.MaskID(id)[:6] != want[:6] {
		t.Errorf("masked %q", c.IDMasked.Text)
	}
	if shownContains(r.env, id) {
		t.Error("the full ID number is on the screen")
	}
	if len(c.Items) != 1 || c.Items[0].Code != "X001" || c.ItemQuery.Text != "" {
		t.Fatalf("scanned item: %+v, query %q", c.Items, c.ItemQuery.Text)
	}
	if r.env.Win.Canvas().Focused() == nil {
		t.Fatal("nothing focused")
	}
	c.focus(c.ItemQuery)
	r.press(t, fyne.KeyF9) // 办结

	if len(r.reg.reqs) != 1 {
		t.Fatalf("Register called %d times (status %q)", len(r.reg.reqs), c.Status.Text)
	}
	req := r.reg.reqs[0]
	if req.ApplicantName != "王秀英" || req.IDNumber != id || req.Phone != "13812345678" || req.WindowID != 11 ||
		req.ClerkID != 7 || req.TicketID != 1 || !slices.Equal(req.Items, []string{"X001"}) || req.BatchCount != 1 ||
		!slices.Equal(req.Received["X001"], []string{"居民身份证", "户口簿"}) {
		t.Errorf("register request %+v", req)
	}
	if !slices.Equal(r.reg.advances, []string{"501 completed "}) {
		t.Errorf("advances %q", r.reg.advances)
	}
	if len(r.rated) != 1 || r.rated[0].ID != 501 || r.rated[0].Status != app.TxCompleted {
		t.Errorf("StartRating got %+v", r.rated)
	}
	if len(r.shown) != 1 || r.shown[0].ClerkNo != "0007" || r.shown[0].ItemName != "居民身份证明" || r.shown[0].WindowNumber != 1 {
		t.Errorf("rating screen got %+v", r.shown)
	}
	if !strings.Contains(c.Status.Text, "已办结：流水号 S202603100501") {
		t.Errorf("status %q", c.Status.Text)
	}
	if c.Name.Text != "" || c.IDNumber != "" || len(c.Items) != 0 || c.ID.Text != "" {
		t.Errorf("the form was not cleared for the next person")
	}
	if d := r.drafts.(memDrafts)["counter-window-11"]; strings.Contains(string(d), "王秀英") {
		t.Errorf("the draft still holds the finished form: %s", d)
	}
}

func TestCounterMissingMaterialsNotice(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	typeInto(t, r.env, c.Name, "王秀英")
	c.focus(c.ID)
	test.Type(c.ID, validID("11010519491231002"))
	c.focus(c.ItemQuery)
	test.Type(c.ItemQuery, "dbsq") // pinyin initials: 低保申请
	enter(c.ItemQuery)
	test.Tap(c.Materials["X002"]["申请书"])
	r.press(t, fyne.KeyF8) // 受理
	if c.NoticeShown == nil || len(r.notices) != 1 {
		t.Fatalf("no 一次性告知单: shown %v, printed %d", c.NoticeShown, len(r.notices))
	}
	n := r.notices[0]
	if n.Serial == "" || len(n.Items) != 1 || n.Items[0].Name != "低保申请" ||
		!slices.Equal(n.Items[0].Missing, []string{"收入证明", "户口簿"}) || n.ClerkNo != "0007" ||
		n.Applicant != app.MaskName("王秀英") {
		t.Errorf("notice %+v", n)
	}
	if len(r.reg.advances) != 0 {
		t.Errorf("advanced despite missing materials: %q", r.reg.advances)
	}
	assertShown(t, r.env.Win, "　1. 收入证明")
	// 退件 with the notice's reason finishes it, and the rating starts.
	c.askReason(app.TxReturned)
	if !strings.Contains(c.reasonEntry.Text, "材料不全") {
		t.Errorf("reason prefilled %q", c.reasonEntry.Text)
	}
	c.act(app.TxReturned, c.reasonEntry.Text)
	if len(r.reg.advances) != 1 || !strings.HasPrefix(r.reg.advances[0], "501 returned 材料不全") || len(r.rated) != 1 {
		t.Errorf("advances %q, rated %d", r.reg.advances, len(r.rated))
	}
}

func TestCounterInvalidIDKeepsTheForm(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	typeInto(t, r.env, c.Name, "王秀英")
	good := validID("11010519491231002")
	bad := good[:17] + "1"
	if bad == good {
		bad = good[:17] + "2"
	}
	c.focus(c.ID)
	test.Type(c.ID, good[:5]+"A")
	if c.IDHint.Text != "身份证号码前17位应为数字" {
		t.Errorf("a letter typed: hint %q", c.IDHint.Text)
	}
	setText(&c.ID.Entry, "")
	test.Type(c.ID, bad[:10])
	if c.IDHint.Text != "已输入 10/18 位" {
		t.Errorf("typing: hint %q", c.IDHint.Text)
	}
	test.Type(c.ID, bad[10:])
	if c.IDHint.Text != "身份证号码校验位不正确，请核对" || c.IDNumber != "" || c.IDMasked.Visible() {
		t.Fatalf("bad check digit: hint %q, accepted %q", c.IDHint.Text, c.IDNumber)
	}
	c.focus(c.ItemQuery)
	test.Type(c.ItemQuery, "X003")
	enter(c.ItemQuery)
	test.Tap(c.Complete)
	if len(r.reg.reqs) != 0 {
		t.Fatal("registered with a bad ID number")
	}
	if c.Status.Text != "身份证号码校验位不正确，请核对" || r.env.Win.Canvas().Focused() != c.ID {
		t.Errorf("status %q, focus %T", c.Status.Text, r.env.Win.Canvas().Focused())
	}
	if c.Name.Text != "王秀英" || c.ID.Text != bad || len(c.Items) != 1 {
		t.Errorf("the form lost what was typed: %q %q %v", c.Name.Text, c.ID.Text, c.Items)
	}
	// Corrected, it goes through.
	setText(&c.ID.Entry, "")
	test.Type(c.ID, good)
	test.Tap(c.Complete)
	if len(r.reg.reqs) != 1 || r.reg.reqs[0].IDNumber != good {
		t.Errorf("after the correction: %+v", r.reg.reqs)
	}
}

func TestCounterDraftSurvivesReopening(t *testing.T) {
	r := newCounterRig(t, FileDrafts{Dir: t.TempDir()})
	c := r.c
	id := validID("37091119800101123")
	typeInto(t, r.env, c.Name, "张建国")
	enter(c.Name)
	typeInto(t, r.env, c.ID, id)
	c.focus(c.ItemQuery)
	test.Type(c.ItemQuery, "X002")
	enter(c.ItemQuery)
	test.Tap(c.Materials["X002"]["收入证明"])
	c.focus(c.Batch)
	test.Type(c.Batch, "3")
	c.focus(c.Agent)
	test.Type(c.Agent, "张小明")

	r.open(t) // the screen closes and opens again (or the PC restarts)
	c = r.c
	if c.Name.Text != "张建国" || c.IDNumber != id || !c.IDMasked.Visible() || c.Batch.Text != "3" ||
		c.Agent.Text != "张小明" {
		t.Errorf("restored: name %q id %q batch %q agent %q", c.Name.Text, c.IDNumber, c.Batch.Text, c.Agent.Text)
	}
	if len(c.Items) != 1 || c.Items[0].Code != "X002" || !c.Materials["X002"]["收入证明"].Checked ||
		c.Materials["X002"]["申请书"].Checked {
		t.Errorf("restored items %+v", c.Items)
	}
	if !strings.Contains(c.Status.Text, "已恢复") {
		t.Errorf("status %q", c.Status.Text)
	}
}

func TestCounterHubErrorKeepsTheForm(t *testing.T) {
	r := newCounterRig(t, memDrafts{})
	c := r.c
	id := validID("11010519491231002")
	r.fill(t, id)
	r.reg.err = &app.UserError{Code: "hub_unreachable", Msg: "无法连接中心主机，请检查网络后重试", Err: app.ErrHubUnreachable}
	test.Tap(c.Complete)
	if c.Status.Text != "无法连接中心主机，请检查网络后重试" || !strings.Contains(c.Link.Text, "无法连接中心主机") {
		t.Errorf("status %q, link %q", c.Status.Text, c.Link.Text)
	}
	if c.Name.Text != "王秀英" || c.IDNumber != id || c.Phone.Text != "13812345678" || len(c.Items) != 1 ||
		!c.Materials["X001"]["户口簿"].Checked || len(r.rated) != 0 {
		t.Fatalf("the form changed after the hub failed")
	}
	test.Tap(c.Complete) // the hub is back
	if len(r.reg.reqs) != 1 || len(r.rated) != 1 {
		t.Errorf("retry: %d registrations, %d ratings", len(r.reg.reqs), len(r.rated))
	}
}

// 一件事: the theme is found by name and registered over its items.
func TestCounterTheme(t *testing.T) {
	r := newCounterRig(t, memDrafts{})
	c := r.c
	typeInto(t, r.env, c.Name, "刘芳")
	c.focus(c.ID)
	test.Type(c.ID, validID("11010519491231002"))
	test.Tap(c.Theme)
	if c.ThemeQuery.Disabled() || !c.ThemeLabel.Visible() {
		t.Fatal("checking 一件事 did not open the theme field")
	}
	c.focus(c.ThemeQuery)
	test.Type(c.ThemeQuery, "新生儿")
	enter(c.ThemeQuery)
	if c.ThemeIt == nil || c.ThemeIt.Code != "T001" || !strings.Contains(c.ThemeLabel.Text, "新生儿出生一件事") {
		t.Fatalf("theme %+v, label %q", c.ThemeIt, c.ThemeLabel.Text)
	}
	if r.env.Win.Canvas().Focused() != c.ItemQuery {
		t.Errorf("focus after the theme: %T", r.env.Win.Canvas().Focused())
	}
	test.Type(c.ItemQuery, "X001")
	enter(c.ItemQuery)
	test.Tap(c.Complete)
	if !strings.Contains(c.Status.Text, "至少包含两个事项") || len(r.reg.reqs) != 0 {
		t.Errorf("one item under a theme: %q", c.Status.Text)
	}
	test.Type(c.ItemQuery, "X003")
	enter(c.ItemQuery)
	for _, ch := range c.Materials["X001"] {
		test.Tap(ch)
	}
	test.Tap(c.Complete)
	if len(r.reg.reqs) != 1 {
		t.Fatalf("not registered: %q", c.Status.Text)
	}
	if req := r.reg.reqs[0]; !req.Theme || req.ThemeName != "T001" || !slices.Equal(req.Items, []string{"X001", "X003"}) {
		t.Errorf("request %+v", req)
	}
	// The theme parent is advanced (its items move with it) and rated.
	if !slices.Equal(r.reg.advances, []string{"501 completed "}) || len(r.shown) != 1 ||
		r.shown[0].ItemName != "新生儿出生一件事" {
		t.Errorf("advances %q, rating %+v", r.reg.advances, r.shown)
	}
}

// A registration stopped at the 一次性告知单 survives a restart: the
// reopened counter continues it (容缺办结) instead of registering it twice.
func TestCounterRegisteredDraftContinues(t *testing.T) {
	r := newCounterRig(t, FileDrafts{Dir: t.TempDir()})
	c := r.c
	typeInto(t, r.env, c.Name, "王秀英")
	c.focus(c.ID)
	test.Type(c.ID, validID("11010519491231002"))
	c.focus(c.ItemQuery)
	test.Type(c.ItemQuery, "X002")
	enter(c.ItemQuery)
	test.Tap(c.Complete)
	if c.NoticeShown == nil || len(c.Registered) != 1 {
		t.Fatalf("no notice: %q", c.Status.Text)
	}
	r.open(t)
	c = r.c
	if len(c.Registered) != 1 || !c.Name.Disabled() || !strings.Contains(c.Status.Text, "已恢复上次未完成的办件 S202603100501") {
		t.Fatalf("restored %+v, status %q", c.Registered, c.Status.Text)
	}
	test.Tap(c.Complete)
	if len(r.reg.reqs) != 1 || !slices.Equal(r.reg.advances, []string{"501 completed "}) || len(r.rated) != 1 {
		t.Errorf("registrations %d, advances %q, ratings %d", len(r.reg.reqs), r.reg.advances, len(r.rated))
	}
	if c.Name.Disabled() || c.Name.Text != "" {
		t.Error("the form is not ready for the next person")
	}
}

// The keyboard goes where a clerk expects: Tab after a verified ID number
// lands in 联系电话 (not past it), Enter on a search with several results
// takes the first, and Escape closes every dialog of the counter wherever the
// focus is in it, without running the screen's function keys behind it.
func TestCounterKeyboardTraps(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	cv := r.env.Win.Canvas()
	typeInto(t, r.env, c.Name, "王秀英")
	cv.FocusNext()
	typeInto(t, r.env, c.ID, validID("11010519491231002"))
	if c.IDNumber == "" || cv.Focused() == c.Phone {
		t.Fatalf("after a valid number: accepted %q, focus on %T (must not jump to 联系电话 by itself)", c.IDNumber, cv.Focused())
	}
	cv.FocusNext()
	typeInto(t, r.env, c.Phone, "13812345678")
	cv.FocusPrevious() // Shift+Tab back to the verified number
	if cv.Focused() != c.IDEdit {
		t.Fatalf("Shift+Tab from 联系电话: focus on %T", cv.Focused())
	}
	r.press(t, fyne.KeyReturn) // Enter on the verified number goes on to the phone too
	if cv.Focused() != c.Phone || c.IDNumber == "" {
		t.Fatalf("Enter after the number: focus %T, id kept %v", cv.Focused(), c.IDNumber != "")
	}
	enter(c.Phone)
	typeInto(t, r.env, c.ItemQuery, "申") // 低保申请 and 高龄津贴申领
	if len(c.ResultBtns) != 2 || c.ResultBtns[0].Importance != widget.HighImportance {
		t.Fatalf("results %d, first highlighted %v", len(c.ResultBtns), len(c.ResultBtns) > 0 && c.ResultBtns[0].Importance == widget.HighImportance)
	}
	enter(c.ItemQuery)
	if len(c.Items) != 1 || c.Items[0].Code != "X002" {
		t.Fatalf("Enter with two results selected %v, want the first (X002)", c.Items)
	}

	overlays := func() int { return len(cv.Overlays().List()) }
	escape := func(what string) {
		t.Helper()
		if overlays() != 1 {
			t.Fatalf("%s: %d dialogs open", what, overlays())
		}
		r.press(t, fyne.KeyEscape)
		if overlays() != 0 {
			t.Fatalf("Escape left the %s open (focus on %T)", what, cv.Focused())
		}
	}

	// 一次性告知单: materials missing at 受理; Escape is 返回修改, nothing advanced.
	r.press(t, fyne.KeyF8)
	escape("一次性告知单")
	if len(r.reg.advances) != 0 {
		t.Errorf("Escape advanced the 办件: %q", r.reg.advances)
	}
	// 退件 reason: Escape from inside the text.
	c.askReason(app.TxReturned)
	if cv.Focused() != c.reasonEntry {
		t.Fatalf("reason dialog: focus on %T", cv.Focused())
	}
	escape("退件原因")
	if len(r.reg.advances) != 0 {
		t.Errorf("Escape returned the 办件: %q", r.reg.advances)
	}

	// 转移 from its drop-down and with nothing focused; F1 behind it calls nothing.
	c.focus(c.Name)
	r.press(t, fyne.KeyF1)
	calls := len(r.hall.called("CallNext"))
	r.press(t, fyne.KeyF4)
	f := c.TransferDialog()
	if f == nil || cv.Focused() != f.Category {
		t.Fatalf("transfer dialog %v, focus %T", f != nil, cv.Focused())
	}
	escape("转移")
	r.press(t, fyne.KeyF4)
	cv.Unfocus()
	r.press(t, fyne.KeyF1)
	if got := len(r.hall.called("CallNext")); got != calls {
		t.Errorf("F1 behind the open 转移 dialog called a ticket (%d calls, want %d)", got, calls)
	}
	escape("转移 (nothing focused)")
	if len(r.hall.called("Transfer")) != 0 {
		t.Errorf("Escape transferred: %q", r.hall.called("Transfer"))
	}
	r.press(t, fyne.KeyF1) // the screen's keys are back
	if got := len(r.hall.called("CallNext")); got != calls+1 {
		t.Errorf("F1 after the dialog closed: %d calls, want %d", got, calls+1)
	}

	// 换岗 from the password field; then 清空表单.
	r.press(t, fyne.KeyF7)
	cv.Focus(c.HandOverDialog().PIN)
	escape("换岗")
	c.confirmClear()
	escape("清空表单")
	if len(c.Items) != 1 {
		t.Errorf("Escape cleared the form")
	}
}

// Tablet mode on a PC with one monitor: the clerk is told that the rating
// window appears on their own screen, in the line where 请申请人评价 is.
func TestCounterTabletOnOneScreenSaysSo(t *testing.T) {
	r := newCounterRig(t, nil)
	note := ""
	r.c.deps.RatingNote = func() string { return note }
	r.press(t, fyne.KeyF1)
	r.fill(t, validID("11010519491231002"))
	r.press(t, fyne.KeyF9)
	if !strings.Contains(r.c.Status.Text, "请申请人评价") || strings.Contains(r.c.Status.Text, "（") {
		t.Errorf("two monitors: status %q", r.c.Status.Text)
	}
	note = "本机只有一块显示器，评价画面显示在本屏，评价完自动关闭"
	r.press(t, fyne.KeyF1)
	r.fill(t, validID("11010519491231002"))
	r.press(t, fyne.KeyF9)
	if len(r.shown) != 2 || !strings.Contains(r.c.Status.Text, "请申请人评价（"+note+"）") {
		t.Errorf("one monitor: shown %d, status %q", len(r.shown), r.c.Status.Text)
	}
}

// Every key the counter answers to is named in its key guide, in one
// place on the screen; keys not bound here (no 换岗 without sign-in) are not.
func TestCounterKeyGuide(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	for k := range c.keys {
		if !strings.Contains(c.KeyGuide.Text, string(k)+" ") {
			t.Errorf("key %s is bound but not in the guide %q", k, c.KeyGuide.Text)
		}
	}
	if !strings.Contains(c.KeyGuide.Text, "F1 叫号") || !strings.Contains(c.KeyGuide.Text, "Esc 关闭/返回") {
		t.Errorf("guide %q", c.KeyGuide.Text)
	}
	assertShown(t, r.env.Win, c.KeyGuide.Text)
	if strings.Contains(keyGuide(hotkeys{keyCall: func() {}}), "换岗") {
		t.Error("an unbound key is listed")
	}
}

// The built-in pinyin input (F5) in 申请人: full pinyin or initials and a
// candidate give the name, surnames first; 复姓 lead for "oy"; Backspace
// edits the letters, Escape drops them; F5 again gives the keys back.
func TestPinyinNameInput(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	r.press(t, fyne.KeyF5)
	if !strings.Contains(c.Status.Text, "拼音输入已打开") || !strings.Contains(c.KeyGuide.Text, "F5 拼音输入") {
		t.Fatalf("F5: status %q, guide %q", c.Status.Text, c.KeyGuide.Text)
	}
	typeInto(t, r.env, c.Name, "wangxiuying")
	if c.Name.Text != "" || !c.NamePinyin.Bar.Visible() || !strings.HasPrefix(c.NamePinyin.Bar.Text, "wangxiuying　1.王秀英") {
		t.Fatalf("composing: field %q, bar %q", c.Name.Text, c.NamePinyin.Bar.Text)
	}
	test.Type(c.Name, " ")
	if c.Name.Text != "王秀英" || c.NamePinyin.Bar.Visible() {
		t.Fatalf("space: field %q, bar %q", c.Name.Text, c.NamePinyin.Bar.Text)
	}

	// Initials: candidate 1 is the whole name.
	setText(&c.Name.Entry, "")
	test.Type(c.Name, "wxy")
	if !strings.HasPrefix(c.NamePinyin.Bar.Text, "wxy　1.王秀英") {
		t.Fatalf("wxy: bar %q", c.NamePinyin.Bar.Text)
	}
	test.Type(c.Name, "1")
	if c.Name.Text != "王秀英" {
		t.Fatalf("wxy 1: %q", c.Name.Text)
	}
	setText(&c.Name.Entry, "")
	test.Type(c.Name, "wang")
	cands := strings.Fields(strings.SplitN(c.NamePinyin.Bar.Text, "　", 2)[1])
	if len(cands) < 2 || cands[0] != "1.王" {
		t.Fatalf("wang: %q", c.NamePinyin.Bar.Text)
	}
	test.Type(c.Name, "2") // the second surname for wang
	if c.Name.Text != strings.TrimPrefix(cands[1], "2.") {
		t.Fatalf("wang 2: %q, offered %q", c.Name.Text, cands)
	}

	// 复姓.
	setText(&c.Name.Entry, "")
	test.Type(c.Name, "oy")
	if !strings.HasPrefix(c.NamePinyin.Bar.Text, "oy　1.欧阳") {
		t.Fatalf("oy: bar %q", c.NamePinyin.Bar.Text)
	}
	test.Type(c.Name, " nana ")
	if c.Name.Text != "欧阳娜娜" {
		t.Fatalf("oy nana: %q", c.Name.Text)
	}

	// Backspace edits the letters, Escape drops them, Enter keeps them as typed.
	setText(&c.Name.Entry, "")
	test.Type(c.Name, "liz")
	r.press(t, fyne.KeyBackspace)
	if !strings.HasPrefix(c.NamePinyin.Bar.Text, "li　1.李") || c.Name.Text != "" {
		t.Fatalf("backspace: bar %q field %q", c.NamePinyin.Bar.Text, c.Name.Text)
	}
	r.press(t, fyne.KeyEscape)
	if c.NamePinyin.Bar.Visible() || c.Name.Text != "" {
		t.Fatalf("escape: bar %q field %q", c.NamePinyin.Bar.Text, c.Name.Text)
	}
	test.Type(c.Name, "tom")
	r.press(t, fyne.KeyReturn)
	if c.Name.Text != "tom" {
		t.Fatalf("enter: %q", c.Name.Text)
	}

	// Off again: letters are letters.
	r.press(t, fyne.KeyF5)
	setText(&c.Name.Entry, "")
	test.Type(c.Name, "wang")
	if c.Name.Text != "wang" || c.NamePinyin.Bar.Visible() {
		t.Fatalf("off: %q", c.Name.Text)
	}
}

// Chinese text in an entry survives undo and redo (a Fyne bug class: rune
// and byte offsets mixed up) and paste keeps it exact, also with the
// built-in pinyin input on.
func TestChineseEditingUndoPaste(t *testing.T) {
	r := newCounterRig(t, nil)
	c := r.c
	r.press(t, fyne.KeyF5)
	test.Type(c.Name, "ouyang nana ")
	if c.Name.Text != "欧阳娜娜" {
		t.Fatalf("typed %q", c.Name.Text)
	}
	for i := 0; i < 6; i++ {
		c.Name.TypedShortcut(&fyne.ShortcutUndo{})
	}
	if c.Name.Text != "" {
		t.Errorf("after undoing all: %q", c.Name.Text)
	}
	for i := 0; i < 6; i++ {
		c.Name.TypedShortcut(&fyne.ShortcutRedo{})
	}
	if c.Name.Text != "欧阳娜娜" {
		t.Errorf("after redoing all: %q", c.Name.Text)
	}
	c.Name.TypedShortcut(&fyne.ShortcutSelectAll{})
	c.Name.TypedKey(key(fyne.KeyBackspace))
	cb := fyne.CurrentApp().Clipboard()
	cb.SetContent("司马相如，（代）")
	c.Name.TypedShortcut(&fyne.ShortcutPaste{Clipboard: cb})
	if c.Name.Text != "司马相如，（代）" {
		t.Errorf("pasted %q", c.Name.Text)
	}
}
