//go:build linux

package screens

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/app/queue"
	"bianmin/devices"
	"bianmin/devices/devconf"
	"bianmin/devices/idcard"
	"bianmin/internal/eventually"
)

// The window's ID card reader, simulated on a pty and read through the real
// serial path, fills the counter: 申请人 and 身份证号, the number kept only
// as a mask and a keyed hash in the stored row. Line noise, a damaged
// answer, a card with a wrong check digit, a card lifted mid-read and an
// unplugged reader each give a Chinese message and never wrong data; the
// reader reconnects by itself.
func TestIDCardFillsRegistration(t *testing.T) {
	svc, db, _ := demoCentre(t)
	ctx := context.Background()
	dir := t.TempDir()
	rctx, cancel := context.WithCancel(ctx)
	rig, err := devices.StartWindow(rctx, devconf.Default(), devices.WindowOptions{Rater: svc, Audit: db,
		ConfigPath: filepath.Join(dir, devconf.FileName), SimDir: filepath.Join(dir, "printed"), SimDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); rig.Close() })
	reads := make(chan IDCardRead, 8)
	clerk, err := svc.Login(ctx, "1001", "123456")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := db.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := syncEnv(t)
	var onCard func(IDCardRead)
	c := NewCounter(env, CounterDeps{Hall: queue.New(db, svc.Clock, nil), Reg: svc, Clerk: clerk, WindowID: ws[0].ID,
		Drafts: FileDrafts{Dir: t.TempDir()}, Do: newUIQueue().do,
		// As the window wires it: the rig's device goroutine hands each card to the UI goroutine.
		IDCards: func(f func(IDCardRead)) {
			onCard = f
			if f == nil {
				rig.OnIDCard(nil)
				return
			}
			rig.OnIDCard(func(card *idcard.Card, problem string) {
				r := IDCardRead{Problem: problem}
				if card != nil {
					r.Name, r.Number = card.Name, card.Number
				}
				reads <- r
			})
		}})
	env.Win.SetContent(c.Content())
	c.Start()
	t.Cleanup(c.Stop)
	next := func(what string) IDCardRead {
		t.Helper()
		select {
		case r := <-reads:
			onCard(r) // on the UI goroutine, as fyne.Do does
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing came from the reader (status %+v)", what, rig.Status()[2])
		}
		return IDCardRead{}
	}
	eventually.True(t, "the reader connected", func() bool { return rig.Status()[2].State == devconf.StateConnected })
	sim := rig.SimulatedIDReader()

	// A damaged answer first: a message, the form untouched; the retry fills it.
	sim.Sim().Garbage(true)
	sim.Sim().Corrupt(1)
	sim.Sim().Place(devices.SampleCard)
	if r := next("damaged"); r.Problem == "" || !strings.Contains(c.Status.Text, "读卡器：读卡器数据校验错误") || c.Name.Text != "" {
		t.Fatalf("damaged answer: %+v, status %q, name %q", r, c.Status.Text, c.Name.Text)
	}
	next("after the damage")
	id := devices.SampleCard.Number
	if c.Name.Text != "王秀英" || c.IDNumber != id || !c.IDMasked.Visible() || !strings.HasPrefix(c.IDMasked.Text, app.MaskID(id)) {
		t.Fatalf("form after the card: name %q id %q masked %q", c.Name.Text, c.IDNumber, c.IDMasked.Text)
	}
	if shownContains(env, id) || env.Win.Canvas().Focused() != c.Phone {
		t.Errorf("the full number is on screen (%v) or the cursor is not in 联系电话 (%T)", shownContains(env, id), env.Win.Canvas().Focused())
	}
	sim.Sim().Garbage(false)
	sim.Sim().Remove()

	// Registered and stored: masked and hashed, never in full.
	items, err := svc.SearchItems(ctx, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var instant app.ServiceItem
	for _, it := range items {
		if it.Instant {
			instant = it
			break
		}
	}
	if instant.Code == "" {
		t.Fatal("no 即办件 in the demo")
	}
	c.focus(c.ItemQuery)
	typeInto(t, env, c.ItemQuery, instant.Code)
	enter(c.ItemQuery)
	for _, ch := range c.Materials[instant.Code] {
		test.Tap(ch)
	}
	c.complete()
	if len(c.Registered) != 0 || !strings.Contains(c.Status.Text, "办结") {
		t.Fatalf("not completed: %q", c.Status.Text)
	}
	serial := strings.Fields(strings.SplitN(c.Status.Text, "流水号 ", 2)[1])[0]
	tx, err := db.TransactionBySerial(ctx, serial)
	if err != nil {
		t.Fatal(err)
	}
	if tx.ApplicantName != "王秀英" || tx.IDMasked != app.MaskID(id) || tx.IDHash == "" || strings.Contains(tx.IDHash, id) {
		t.Errorf("stored %q %q hash %q", tx.ApplicantName, tx.IDMasked, tx.IDHash)
	}

	// A card whose number fails its check digit: said so, nothing filled.
	bad := devices.SampleCard
	bad.Name, bad.Number = "李四", "110105194912310021"
	sim.Sim().Place(bad)
	next("bad check digit")
	if c.Name.Text != "" || c.IDNumber != "" || !strings.Contains(c.Status.Text, "身份证信息无效") {
		t.Errorf("bad number: name %q id %q status %q", c.Name.Text, c.IDNumber, c.Status.Text)
	}
	sim.Sim().Remove()

	// Lifted mid-read.
	sim.Sim().PullDuringRead()
	sim.Sim().Place(devices.SampleCard)
	next("pulled")
	if c.Name.Text != "" || !strings.Contains(c.Status.Text, "身份证被移开") {
		t.Errorf("pulled: name %q status %q", c.Name.Text, c.Status.Text)
	}

	// Unplugged: the bar says so; plugged back, it reads again.
	sim.Unplug()
	eventually.True(t, "the unplug noticed", func() bool { return rig.Status()[2].State == devconf.StateError })
	if s := rig.Status()[2].Short(); !strings.Contains(s, "读卡器") || !strings.Contains(s, "断开") {
		t.Errorf("bar line %q", s)
	}
	if err := sim.Replug(); err != nil {
		t.Fatal(err)
	}
	rig.SimulatedIDReader().Sim().Place(devices.SampleCard)
	next("after the replug")
	if c.IDNumber != id {
		t.Errorf("after the replug: id %q", c.IDNumber)
	}
}
