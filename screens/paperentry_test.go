package screens

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

func enter(w fyne.Focusable) { w.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

// typeInto types s into the focused widget, as a keyboard (or a barcode
// scanner) does, failing when the focus is not on want.
func typeInto(t *testing.T, env *Env, want fyne.Focusable, s string) {
	t.Helper()
	if got := env.Win.Canvas().Focused(); got != want {
		t.Fatalf("typing %q: the focus is on %T %p, want %T %p", s, got, got, want, want)
	}
	test.Type(want, s)
}

// evals returns the rows stored for tx.
func (f *fixture) evals(t *testing.T, tx app.Transaction) []app.Evaluation {
	t.Helper()
	es, err := f.db.EvaluationsFor(context.Background(), []int64{tx.ID})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func openPaperEntry(t *testing.T, f *fixture, env *Env) *PaperEntry {
	t.Helper()
	d := NewDashboard(env, f.svc, &f.manager)
	env.Win.SetContent(d.Content())
	test.Tap(d.Paper)
	p := d.PaperScreen
	if p == nil || env.Win.Content() != p.Content() {
		t.Fatal("the paper-form entry is not shown")
	}
	if env.Win.Canvas().Focused() != p.Serial {
		t.Fatalf("the focus is on %T, want the 流水号", env.Win.Canvas().Focused())
	}
	return p
}

func shownContains(env *Env, sub string) bool {
	return slices.ContainsFunc(texts(env.Win), func(s string) bool { return strings.Contains(s, sub) })
}

// A 流水号, a level and Enter store one paper evaluation entered by the
// manager; the form clears for the next one, and a bad review takes its
// tags by number keys.
func TestPaperEntrySavesForms(t *testing.T) {
	f := newFixture(t)
	good := f.finished(t, now.Add(-time.Hour))
	bad := f.finished(t, now.Add(-30*time.Minute))
	env := syncEnv(t)
	p := openPaperEntry(t, f, env)
	assertShown(t, env.Win, "本次已录入 0 张")
	if !shownContains(env, "5 = 非常满意") || !shownContains(env, "1 = 非常不满意") {
		t.Errorf("the level keys are not explained: %q", texts(env.Win))
	}

	// Scan: the 流水号 and Enter. The transaction shows at once.
	typeInto(t, env, p.Serial, good.Serial)
	enter(p.Serial)
	for _, s := range []string{good.Serial, "居民身份证明", "1号窗口", "工号 0001", "2026-03-10 09:00", "尚未评价"} {
		if !strings.Contains(p.Info.Text, s) {
			t.Errorf("transaction info %q lacks %q", p.Info.Text, s)
		}
	}
	typeInto(t, env, p.Level, "5") // one key; a good level skips the tags
	if p.LevelName.Text != "非常满意" {
		t.Errorf("level shown %q", p.LevelName.Text)
	}
	enter(env.Win.Canvas().Focused()) // no text: on to the form number
	typeInto(t, env, p.FormNo, "F20260310-00001")
	enter(p.FormNo)

	es := f.evals(t, good)
	if len(es) != 1 {
		t.Fatalf("%d evaluations stored, want 1 (status %q)", len(es), p.Status.Text)
	}
	e := es[0]
	if e.Channel != app.ChannelPaper || e.FormNo != "F20260310-00001" || e.EnteredBy != f.manager.ID ||
		e.Level != app.LevelVeryGood || e.Kind != app.KindActive {
		t.Errorf("stored %+v", e)
	}
	if !e.RatedAt.Equal(now) {
		t.Errorf("a form dated today is rated at %v, want now %v", e.RatedAt, now)
	}
	if p.Count.Text != "本次已录入 1 张" || p.Entered != 1 {
		t.Errorf("count %q", p.Count.Text)
	}
	for _, e := range []*widget.Entry{p.Serial, p.Tags, &p.Text.Entry, p.FormNo, &p.Level.Entry} {
		if e.Text != "" {
			t.Errorf("a field kept %q after the save", e.Text)
		}
	}
	if p.Date.Text != "2026-03-10" || p.Info.Text != "" || p.Status.Text != "" {
		t.Errorf("after a save: date %q info %q status %q", p.Date.Text, p.Info.Text, p.Status.Text)
	}
	if !strings.Contains(p.Last.Text, "F20260310-00001") {
		t.Errorf("last saved %q", p.Last.Text)
	}

	// The next form: a blank form's QR (its number) scanned first, then the
	// handwritten 流水号; 不满意 with tags 1 and 3 by number keys, and a text.
	typeInto(t, env, p.Serial, "F20260310-00002")
	enter(p.Serial)
	if p.FormNo.Text != "F20260310-00002" || p.Serial.Text != "" {
		t.Fatalf("a scanned form number went to 表号 %q, 流水号 %q", p.FormNo.Text, p.Serial.Text)
	}
	typeInto(t, env, p.Serial, bad.Serial)
	enter(p.Serial)
	typeInto(t, env, p.Level, "2")
	typeInto(t, env, p.Tags, "13")
	if !strings.Contains(p.TagList.Text, "【1 态度不好】") || !strings.Contains(p.TagList.Text, "【3 等候时间长】") ||
		strings.Contains(p.TagList.Text, "【2") {
		t.Errorf("chosen tags shown %q", p.TagList.Text)
	}
	enter(p.Tags)
	typeInto(t, env, p.Text, "排队太久")
	enter(p.Text) // the form number is there: Enter saves
	es = f.evals(t, bad)
	if len(es) != 1 {
		t.Fatalf("%d evaluations stored for the bad review, want 1 (status %q)", len(es), p.Status.Text)
	}
	if e := es[0]; e.Level != app.LevelBad || !slices.Equal(e.Tags, []string{"态度不好", "等候时间长"}) ||
		e.Text != "排队太久" || e.FormNo != "F20260310-00002" || e.Channel != app.ChannelPaper {
		t.Errorf("stored %+v", e)
	}
	if p.Count.Text != "本次已录入 2 张" || env.Win.Canvas().Focused() != p.Serial {
		t.Errorf("count %q, focus %T", p.Count.Text, env.Win.Canvas().Focused())
	}
	orders, err := f.db.WorkOrders(context.Background(), app.OrderFilter{EvaluationID: es[0].ID})
	if err != nil || len(orders) != 1 {
		t.Errorf("the bad paper review opened %d work orders (%v), want 1", len(orders), err)
	}

	test.Tap(p.Back)
	if env.Win.Content() == p.Content() {
		t.Error("返回首页 did not leave the entry screen")
	}
}

// fill types a whole form (without saving) into the screen.
func fill(t *testing.T, env *Env, p *PaperEntry, serial, level, tags, formNo, date string) {
	t.Helper()
	p.focus(p.Serial)
	test.Type(p.Serial, serial)
	enter(p.Serial)
	p.focus(p.Level)
	test.Type(p.Level, level)
	if tags != "" {
		p.focus(p.Tags)
		test.Type(p.Tags, tags)
	}
	p.FormNo.SetText(formNo)
	if date != "" {
		p.Date.SetText(date)
	}
}

// kept fails unless the fields still hold what was typed.
func kept(t *testing.T, p *PaperEntry, serial, level, formNo, date string) {
	t.Helper()
	if p.Serial.Text != serial || p.Level.Text != level || p.FormNo.Text != formNo || p.Date.Text != date {
		t.Errorf("fields after the refusal: 流水号 %q 等级 %q 表号 %q 日期 %q; want %q %q %q %q",
			p.Serial.Text, p.Level.Text, p.FormNo.Text, p.Date.Text, serial, level, formNo, date)
	}
}

// Every refusal shows its Chinese reason on the screen and keeps what was typed.
func TestPaperEntryValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Finished Monday 2 March 10:00: the 5-working-day window closed Monday 9 March.
	f.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, app.ChinaTime))
	late := f.finished(t, f.clock.Now())
	f.clock.Set(now)
	rated := f.finished(t, now.Add(-2*time.Hour))
	f.rate(t, rated, app.LevelGood) // on the keypad
	open := f.finished(t, now.Add(-time.Hour))
	other := f.finished(t, now.Add(-time.Hour))
	env := syncEnv(t)
	p := openPaperEntry(t, f, env)

	refused := func(want string) {
		t.Helper()
		if !strings.Contains(p.Status.Text, want) {
			t.Errorf("status %q, want %q", p.Status.Text, want)
		}
		if !shownContains(env, want) {
			t.Errorf("%q is not on the screen", want)
		}
		if p.Entered != 0 {
			t.Errorf("%d forms counted as entered", p.Entered)
		}
	}

	t.Run("unknown 流水号", func(t *testing.T) {
		fill(t, env, p, "BM20990101999999", "4", "", "F20260310-00009", "")
		refused("未找到办件 BM20990101999999")
		enter(p.FormNo)
		refused("未找到办件 BM20990101999999")
		kept(t, p, "BM20990101999999", "4", "F20260310-00009", "2026-03-10")
		if env.Win.Canvas().Focused() != p.Serial {
			t.Errorf("focus on %T, want the 流水号", env.Win.Canvas().Focused())
		}
		p.clear()
	})

	t.Run("already rated", func(t *testing.T) {
		p.focus(p.Serial)
		test.Type(p.Serial, rated.Serial)
		enter(p.Serial)
		refused("本次办理已评价（满意")
		refused("渠道：评价器")
		if !strings.Contains(p.Info.Text, "已评价") {
			t.Errorf("info %q", p.Info.Text)
		}
		fill(t, env, p, rated.Serial, "5", "", "F20260310-00010", "")
		enter(p.FormNo)
		refused("本次办理已评价（满意")
		kept(t, p, rated.Serial, "5", "F20260310-00010", "2026-03-10")
		if n := len(f.evals(t, rated)); n != 1 {
			t.Errorf("%d evaluations, want the keypad's only", n)
		}
		p.clear()
	})

	t.Run("bad review without a reason", func(t *testing.T) {
		fill(t, env, p, open.Serial, "1", "", "F20260310-00011", "")
		enter(p.FormNo)
		refused("差评须选择至少一个标签或填写原因")
		kept(t, p, open.Serial, "1", "F20260310-00011", "2026-03-10")
		if env.Win.Canvas().Focused() != p.Tags {
			t.Errorf("focus on %T, want the tags", env.Win.Canvas().Focused())
		}
		if n := len(f.evals(t, open)); n != 0 {
			t.Errorf("%d evaluations stored", n)
		}
		p.clear()
	})

	t.Run("form number entered twice", func(t *testing.T) {
		if _, err := f.svc.EnterPaperForm(ctx, &f.manager, app.PaperForm{Serial: open.Serial,
			Level: app.LevelVeryGood, FormNo: "F20260310-00012"}); err != nil {
			t.Fatal(err)
		}
		fill(t, env, p, other.Serial, "5", "", "F20260310-00012", "")
		enter(p.FormNo)
		refused("该表号已录入（F20260310-00012）")
		kept(t, p, other.Serial, "5", "F20260310-00012", "2026-03-10")
		if env.Win.Canvas().Focused() != p.FormNo {
			t.Errorf("focus on %T, want 表号", env.Win.Canvas().Focused())
		}
		if n := len(f.evals(t, other)); n != 0 {
			t.Errorf("%d evaluations stored", n)
		}
		// With its own number the form goes in.
		test.Type(p.FormNo, "F20260310-00013") // replaces the selected number
		enter(p.FormNo)
		if n := len(f.evals(t, other)); n != 1 || p.Entered != 1 {
			t.Fatalf("%d evaluations after correcting the number (status %q)", n, p.Status.Text)
		}
		p.Entered = 0
		p.clear()
	})

	t.Run("date outside the rating window", func(t *testing.T) {
		fill(t, env, p, late.Serial, "5", "", "F20260310-00014", "")
		if !strings.Contains(p.Info.Text, "评价时限至 2026-03-09 23:59") {
			t.Errorf("info %q lacks the window", p.Info.Text)
		}
		enter(p.FormNo)
		refused("已超过评价时限")
		refused("记为“未评”")
		kept(t, p, late.Serial, "5", "F20260310-00014", "2026-03-10")
		if env.Win.Canvas().Focused() != p.Date {
			t.Errorf("focus on %T, want the date", env.Win.Canvas().Focused())
		}
		test.Type(p.Date, "2026-03-11") // replaces the selected date
		enter(p.Date)
		refused("晚于今天")
		test.Type(p.Date, "2026-03-10x")
		enter(p.Date)
		refused("表上日期格式应为 2026-03-10")
		kept(t, p, late.Serial, "5", "F20260310-00014", "2026-03-10x")
		if n := len(f.evals(t, late)); n != 0 {
			t.Errorf("%d evaluations stored", n)
		}
		// The form was filled in on Friday 6 March, within the window: it counts, dated that day.
		test.Type(p.Date, "3-6")
		enter(p.Date)
		es := f.evals(t, late)
		if len(es) != 1 || p.Entered != 1 {
			t.Fatalf("a form dated in the window: %d rows (status %q)", len(es), p.Status.Text)
		}
		if want := time.Date(2026, 3, 6, 0, 0, 0, 0, app.ChinaTime); !es[0].RatedAt.Equal(want) {
			t.Errorf("rated at %v, want %v", es[0].RatedAt, want)
		}
	})
}

// A clerk cannot enter forms: app/ refuses, and nothing is stored.
func TestPaperEntryClerkRefused(t *testing.T) {
	f := newFixture(t)
	clerk, err := f.svc.AddStaff(context.Background(), &f.manager,
		app.Staff{No: "0002", Name: "李办事员", Role: app.RoleClerk, Active: true}, "246810")
	if err != nil {
		t.Fatal(err)
	}
	tx := f.finished(t, now.Add(-time.Hour))
	env := syncEnv(t)
	p := NewPaperEntry(env, f.svc, &clerk)
	env.Win.SetContent(p.Content())
	p.Focus()
	fill(t, env, p, tx.Serial, "5", "", "F20260310-00001", "")
	enter(p.FormNo)
	if !strings.Contains(p.Status.Text, "此操作需要中心负责人权限") {
		t.Errorf("status %q", p.Status.Text)
	}
	if n := len(f.evals(t, tx)); n != 0 || p.Entered != 0 {
		t.Errorf("a clerk stored %d evaluations", n)
	}
	kept(t, p, tx.Serial, "5", "F20260310-00001", "2026-03-10")
}

func TestParseFormDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-06": "2026-03-06", "2026/3/6": "2026-03-06", "20260306": "2026-03-06",
		"3-6": "2026-03-06", "2026年3月6日": "2026-03-06", "": "0001-01-01",
	} {
		got, err := parseFormDate(in, now)
		if err != nil || got.Format("2006-01-02") != want {
			t.Errorf("parseFormDate(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"2026-13-01", "abc", "3-6-"} {
		if _, err := parseFormDate(in, now); err == nil {
			t.Errorf("parseFormDate(%q) accepted", in)
		}
	}
}

// A 12345 hotline rating passed down is entered on the same screen: no form
// number is needed, the reference is kept when given and refused when
// entered twice, and the channel is stored.
func TestPaperEntryOtherChannels(t *testing.T) {
	f := newFixture(t)
	a := f.finished(t, now.Add(-time.Hour))
	b := f.finished(t, now.Add(-50*time.Minute))
	env := syncEnv(t)
	p := openPaperEntry(t, f, env)
	p.Channel.SetSelected(app.ChannelHotline.Name())
	if !shownContains(env, "来源编号") || shownContains(env, "表上日期") {
		t.Errorf("the form is not relabelled for the hotline: %q", texts(env.Win))
	}
	typeInto(t, env, p.Serial, a.Serial)
	enter(p.Serial)
	typeInto(t, env, p.Level, "4")
	enter(env.Win.Canvas().Focused())
	enter(p.FormNo) // no reference: saved
	es := f.evals(t, a)
	if len(es) != 1 || es[0].Channel != app.ChannelHotline || es[0].EnteredBy != f.manager.ID || es[0].FormNo != "" {
		t.Fatalf("hotline rating %+v (status %q)", es, p.Status.Text)
	}

	p.Channel.SetSelected(app.ChannelBook.Name())
	typeInto(t, env, p.Serial, b.Serial)
	enter(p.Serial)
	typeInto(t, env, p.Level, "5")
	enter(env.Win.Canvas().Focused())
	typeInto(t, env, p.FormNo, "意见簿第12页")
	enter(p.FormNo)
	if es := f.evals(t, b); len(es) != 1 || es[0].Channel != app.ChannelBook || es[0].FormNo != "意见簿第12页" {
		t.Fatalf("book rating %+v (status %q)", es, p.Status.Text)
	}
	// The same book entry again, for another transaction: refused in place.
	c := f.finished(t, now.Add(-40*time.Minute))
	typeInto(t, env, p.Serial, c.Serial)
	enter(p.Serial)
	typeInto(t, env, p.Level, "5")
	enter(env.Win.Canvas().Focused())
	typeInto(t, env, p.FormNo, "意见簿第12页")
	enter(p.FormNo)
	if !strings.Contains(p.Status.Text, "已录入过") || len(f.evals(t, c)) != 0 || p.Serial.Text != c.Serial {
		t.Errorf("a reference entered twice: status %q, serial kept %q", p.Status.Text, p.Serial.Text)
	}
}
