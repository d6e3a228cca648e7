package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/app/admin"
	"bianmin/app/queue"
)

// A 承诺件 (three working days) accepted at window 1 on Monday is rated for
// that visit, found by its 流水号 at window 2 on Wednesday (the receipt's
// barcode scanned into the item search), completed there with F9 and rated
// again for the completion, with the receipt's hook called; both ratings
// follow the profile's one-per-visit rule. Another one accepted the same
// Monday and never finished is due on Thursday and overdue on Friday, for
// the clerk (在办件 F12) and in the list's order. Real SQLite, real queue.
func TestPromisedItemAcrossVisits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	monday := time.Date(2026, 11, 2, 9, 30, 0, 0, app.ChinaTime)
	f.clock.Set(monday)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	adm := admin.New(f.svc, f.db, nil)
	w2, err := adm.AddWindow(ctx, &f.manager, app.Window{Number: 2, Name: "综合出件窗口", Kind: "综合出件"})
	must(err)
	clerk1, err := f.svc.AddStaff(ctx, &f.manager, app.Staff{No: "0101", Name: "王芳", Role: app.RoleClerk}, "246810")
	must(err)
	clerk2, err := f.svc.AddStaff(ctx, &f.manager, app.Staff{No: "0102", Name: "刘洋", Role: app.RoleClerk}, "135790")
	must(err)
	must(adm.SetPosts(ctx, &f.manager, f.window, clerk1.ID, 0))
	must(adm.SetPosts(ctx, &f.manager, w2.ID, clerk2.ID, 0))
	must(f.db.SaveItem(ctx, app.ServiceItem{Code: "P001", Name: "城乡低保申请", Department: "民政办", PromiseDays: 3, Active: true}))
	q := queue.New(f.db, f.clock, nil)

	type counter struct {
		env   *Env
		c     *Counter
		rated []app.Transaction
	}
	open := func(clerk *app.Staff, window int64) *counter {
		k := &counter{env: syncEnv(t)}
		k.env.Win.Resize(fyne.NewSize(1024, 768))
		k.c = NewCounter(k.env, CounterDeps{Hall: q, Reg: f.svc, Cases: f.svc, Clerk: clerk, WindowID: window,
			Drafts: FileDrafts{Dir: t.TempDir()}, Do: newUIQueue().do,
			StartRating: func(tx app.Transaction) { k.rated = append(k.rated, tx) }})
		k.env.Win.SetContent(k.c.Content())
		k.c.Start()
		t.Cleanup(k.c.Stop)
		return k
	}
	press := func(k *counter, name fyne.KeyName) {
		t.Helper()
		foc := k.env.Win.Canvas().Focused()
		if foc == nil {
			t.Fatalf("nothing has the focus for %s", name)
		}
		foc.TypedKey(&fyne.KeyEvent{Name: name})
	}
	register := func(k *counter, name, id string) app.Transaction {
		t.Helper()
		c := k.c
		test.Type(c.Name, name)
		c.focus(c.ID)
		test.Type(c.ID, validID(id))
		c.focus(c.ItemQuery)
		test.Type(c.ItemQuery, "P001")
		enter(c.ItemQuery)
		if len(c.Items) != 1 {
			t.Fatalf("item not chosen: %q", c.Status.Text)
		}
		for _, ch := range c.Materials["P001"] {
			test.Tap(ch)
		}
		press(k, fyne.KeyF8)
		if len(k.rated) == 0 || k.rated[len(k.rated)-1].Status != app.TxAccepted {
			t.Fatalf("F8 on a 承诺件 did not ask for the visit's rating (status %q)", c.Status.Text)
		}
		if !strings.Contains(c.Status.Text, "承诺件") || len(c.Registered) != 0 {
			t.Fatalf("after F8: %q", c.Status.Text)
		}
		return k.rated[len(k.rated)-1]
	}

	// Monday, window 1: two 承诺件 accepted, the first rated at the keypad.
	k1 := open(&clerk1, f.window)
	low := register(k1, "王秀英", "11010519491231002")
	other := register(k1, "欧阳娜娜", "37091119850312004")
	if _, err := f.svc.Rate(ctx, nil, app.RateRequest{TransactionID: low.ID, Level: app.LevelVeryGood, Channel: app.ChannelKeypad}); err != nil {
		t.Fatalf("the visit's rating at acceptance: %v", err)
	}

	// Wednesday, window 2: the applicant comes back with the receipt.
	f.clock.Set(monday.AddDate(0, 0, 2).Add(time.Hour))
	cases, err := f.svc.OpenCases(ctx, &clerk2, "", 0)
	must(err)
	if len(cases) != 2 || cases[0].Overdue || cases[0].DueToday || !cases[0].Promised ||
		cases[0].Due.Format("2006-01-02 15:04") != "2026-11-05 23:59" {
		t.Fatalf("Wednesday's open cases %+v", cases)
	}
	k2 := open(&clerk2, w2.ID)
	c2 := k2.c
	c2.focus(c2.ItemQuery)
	test.Type(c2.ItemQuery, low.Serial) // the scanner types the barcode and Enter
	enter(c2.ItemQuery)
	if len(c2.Registered) != 1 || c2.Registered[0].Serial != low.Serial || !strings.Contains(c2.Status.Text, "已调出办件") ||
		c2.Name.Text != "王秀英" {
		t.Fatalf("case not reopened: %q", c2.Status.Text)
	}
	press(k2, fyne.KeyF9)
	if len(k2.rated) != 1 {
		t.Fatalf("F9 did not start the rating and receipt (status %q)", c2.Status.Text)
	}
	done := k2.rated[0]
	if done.Status != app.TxCompleted || done.Visits != 2 || done.WindowID != w2.ID || done.ClerkID != clerk2.ID {
		t.Fatalf("completed %+v", done)
	}
	if _, err := f.svc.Rate(ctx, nil, app.RateRequest{TransactionID: done.ID, Level: app.LevelGood, Channel: app.ChannelKeypad}); err != nil {
		t.Fatalf("the completion's rating: %v", err)
	}
	// One rating per visit: the completion cannot be rated twice.
	if _, err := f.svc.Rate(ctx, nil, app.RateRequest{TransactionID: done.ID, Level: app.LevelBad, Channel: app.ChannelKeypad,
		Tags: []string{"态度差"}}); app.ErrorCode(err) != "already_rated" {
		t.Fatalf("second rating of the completion: %v", err)
	}
	evs, err := f.db.EvaluationsFor(ctx, []int64{low.ID})
	must(err)
	if len(evs) != 2 || evs[0].Visit != 1 || evs[1].Visit != 2 || evs[0].WindowID != f.window || evs[1].WindowID != w2.ID {
		t.Fatalf("ratings of the case %+v", evs)
	}
	if _, err := f.svc.CaseBySerial(ctx, &clerk2, low.Serial); app.ErrorCode(err) != "case_finished" {
		t.Fatalf("a finished case reopened: %v", err)
	}

	// Thursday the other one is due today; Friday it is overdue, and the
	// clerk's 在办件 list shows it first, in red.
	f.clock.Set(monday.AddDate(0, 0, 3).Add(time.Hour))
	cases, err = f.svc.OpenCases(ctx, &clerk2, "欧阳", 0)
	must(err)
	if len(cases) != 1 || !cases[0].DueToday || cases[0].State() != "今日到期" {
		t.Fatalf("Thursday %+v", cases)
	}
	f.clock.Set(monday.AddDate(0, 0, 4).Add(time.Hour))
	press(k2, keyCases)
	cd := c2.CasesShown()
	if cd == nil || len(cd.Cases) != 1 || !cd.Cases[0].Overdue || cd.Cases[0].Tx.Serial != other.Serial ||
		cd.Rows[0].Importance != 3 /* widget.DangerImportance */ || !strings.Contains(cd.Note.Text, "已超期 1 件") {
		t.Fatalf("Friday's 在办件 dialog: %+v", cd)
	}
	// Found by ID number too; Enter opens the first; Esc would close.
	setText(&cd.Query.Entry, validID("37091119850312004"))
	cd.Query.OnChanged(cd.Query.Text)
	if len(cd.Cases) != 1 {
		t.Fatalf("search by ID number: %d cases", len(cd.Cases))
	}
	enter(cd.Query)
	if len(c2.Registered) != 1 || c2.Registered[0].Serial != other.Serial || !strings.Contains(c2.Status.Text, "已超期") {
		t.Fatalf("Enter did not open the overdue case: %q", c2.Status.Text)
	}
}
