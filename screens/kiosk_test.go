package screens

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
)

func TestKioskIssuesAndPrints(t *testing.T) {
	env := syncEnv(t)
	hall := newFakeHall()
	timers := &fakeTimers{}
	var printed []app.IssuedTicket
	k := NewKiosk(env, KioskDeps{Hall: hall, Title: "测试镇便民服务中心", Reset: 8 * time.Second, After: timers.after,
		PrintTicket: func(t app.IssuedTicket) error { printed = append(printed, t); return nil }})
	env.Win.SetContent(k.Content())
	if b := k.Categories[1]; b == nil || !strings.Contains(b.Text, "A  综合受理") || !strings.Contains(b.Text, "等候 3 人") {
		t.Fatalf("category button %v", b)
	}
	if sz := k.Categories[1].Size(); sz.Height < 150 {
		t.Errorf("category button only %v high: too small to touch", sz)
	}

	// 绿色通道 then 综合受理.
	test.Tap(k.Priority[app.PriorityElderly])
	test.Tap(k.Categories[1])
	if len(hall.issued) != 1 || hall.issued[0].CategoryID != 1 || hall.issued[0].Priority != app.PriorityElderly {
		t.Fatalf("issued %+v", hall.issued)
	}
	if len(printed) != 1 || printed[0].Ticket.Number != "A012" {
		t.Fatalf("printed %+v", printed)
	}
	if k.Showing != "ticket" || k.Number.Text != "A012" || k.Note.Text != "请取走号票，留意大厅叫号" {
		t.Errorf("shown %q %q %q", k.Showing, k.Number.Text, k.Note.Text)
	}
	if !strings.Contains(k.Detail.Text, "前面还有 3 人") || !strings.Contains(k.Detail.Text, "绿色通道（老年人）") {
		t.Errorf("detail %q", k.Detail.Text)
	}
	assertShown(t, env.Win, "A012")
	// Back to the start after a while, the priority choice cleared.
	if timers.fire(8*time.Second) != 1 || k.Showing != "start" || k.Chosen != app.PriorityNone {
		t.Errorf("not back to the start: %q %q", k.Showing, k.Chosen)
	}
	if !strings.Contains(k.Categories[1].Text, "等候 4 人") {
		t.Errorf("waiting count not refreshed: %q", k.Categories[1].Text)
	}
	// Tickets taken elsewhere (another kiosk, the counter) show within half a minute.
	if _, err := hall.Issue(context.Background(), app.IssueRequest{CategoryID: 1}); err != nil {
		t.Fatal(err)
	}
	if timers.fire(kioskRefresh) != 1 || !strings.Contains(k.Categories[1].Text, "等候 5 人") {
		t.Errorf("not refreshed: %q", k.Categories[1].Text)
	}
}

// Without a printer, or when it fails, the number is shown to remember.
func TestKioskWithoutPrinter(t *testing.T) {
	env := syncEnv(t)
	hall := newFakeHall()
	timers := &fakeTimers{}
	k := NewKiosk(env, KioskDeps{Hall: hall, After: timers.after, Reset: time.Second})
	env.Win.SetContent(k.Content())
	test.Tap(k.Categories[2])
	if k.Number.Text != "B012" || k.Note.Text != "请牢记您的号码" {
		t.Errorf("no printer: %q %q", k.Number.Text, k.Note.Text)
	}
	if timers.fire(time.Second) != 0 || timers.fire(2*time.Second) != 1 {
		t.Error("an unprinted number should stay twice as long")
	}

	k = NewKiosk(env, KioskDeps{Hall: hall, After: timers.after,
		PrintTicket: func(app.IssuedTicket) error { return errors.New("paper out") }})
	env.Win.SetContent(k.Content())
	test.Tap(k.Categories[1])
	if k.Note.Text != "号票未能打印，请牢记您的号码" || k.Number.Text == "" {
		t.Errorf("printer failed: %q %q", k.Number.Text, k.Note.Text)
	}

	// A refusal from the hall stays on the start screen.
	test.Tap(k.Done)
	hall.err = &app.UserError{Code: "hub_unreachable", Msg: "无法连接中心主机"}
	test.Tap(k.Categories[1])
	if k.Showing != "start" || !strings.Contains(k.Status.Text, "无法连接中心主机") {
		t.Errorf("refusal: %q %q", k.Showing, k.Status.Text)
	}
}

func TestKioskWithoutCategories(t *testing.T) {
	env := syncEnv(t)
	hall := newFakeHall()
	hall.cats = nil
	k := NewKiosk(env, KioskDeps{Hall: hall, After: (&fakeTimers{}).after})
	env.Win.SetContent(k.Content())
	if k.Status.Text != "暂无可取号的业务，请咨询工作人员" {
		t.Errorf("status %q", k.Status.Text)
	}
}
