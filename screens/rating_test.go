package screens

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
)

func newRatingRig(t *testing.T, f *fixture) (*Rating, *Env, *fakeTimers) {
	t.Helper()
	env := syncEnv(t)
	timers := &fakeTimers{}
	r := NewRating(env, RatingDeps{Rater: f.svc, Profile: f.svc.Profile, Device: "window-1-tablet",
		Idle: time.Minute, Done: 5 * time.Second, After: timers.after})
	env.Win.SetContent(r.Content())
	r.Attach()
	return r, env, timers
}

func target(tx app.Transaction) RatingTarget {
	return RatingTarget{Tx: tx, ItemName: "居民身份证明", WindowNumber: 1, ClerkNo: "0001", ClerkName: "王主任"}
}

// Key 5 on the customer's side stores a 非常满意 from the tablet channel,
// thanks the person and returns to idle.
func TestRatingKeyStoresTabletRating(t *testing.T) {
	f := newFixture(t)
	tx := f.finished(t, now.Add(-time.Minute))
	r, env, timers := newRatingRig(t, f)
	assertShown(t, env.Win, "欢迎评价")
	idle := 0
	r.deps.OnIdle = func() { idle++ } // a one-monitor PC hides the window here

	r.Start(target(tx))
	if r.State != RatingChoose {
		t.Fatalf("state %q", r.State)
	}
	for _, s := range []string{"居民身份证明", tx.Serial, "1号窗口", "0001 王主任"} {
		if !strings.Contains(r.Info.Text, s) {
			t.Errorf("info %q lacks %q", r.Info.Text, s)
		}
	}
	if shownContains(env, "张三") {
		t.Error("the applicant's name is on the customer screen")
	}
	for l, want := range map[app.Level]string{5: "非常满意", 1: "非常不满意"} {
		if r.Levels[l].Text != want {
			t.Errorf("level %d button %q", l, r.Levels[l].Text)
		}
	}
	test.TypeOnCanvas(env.Win.Canvas(), "5")

	es := f.evals(t, tx)
	if len(es) != 1 {
		t.Fatalf("%d evaluations stored, want 1", len(es))
	}
	if e := es[0]; e.Channel != app.ChannelTablet || e.Level != app.LevelVeryGood || e.Device != "window-1-tablet" ||
		e.Kind != app.KindActive || e.TransactionID != tx.ID {
		t.Errorf("stored %+v", e)
	}
	if r.State != RatingDone || r.Headline.Text != "感谢您的评价！" {
		t.Errorf("after the rating: %q %q", r.State, r.Headline.Text)
	}
	if idle != 0 {
		t.Errorf("OnIdle ran %d times before the thank-you ended", idle)
	}
	if timers.fire(5*time.Second) != 1 || r.State != RatingIdle || r.Headline.Text != "欢迎评价" || idle != 1 {
		t.Errorf("not back to idle: %q %q, OnIdle %d", r.State, r.Headline.Text, idle)
	}

	// The same visit again is refused, plainly.
	r.Start(target(tx))
	test.Tap(r.Levels[app.LevelGood])
	if r.Headline.Text != "未能保存评价" || !strings.Contains(r.Sub.Text, "已评价") {
		t.Errorf("refusal shown %q / %q", r.Headline.Text, r.Sub.Text)
	}
	if len(f.evals(t, tx)) != 1 {
		t.Error("a second rating was stored")
	}
}

// A bad level asks why; 提交 without a tag or text is refused in place,
// with a tag it is stored with the tag.
func TestRatingBadNeedsAReason(t *testing.T) {
	f := newFixture(t)
	tx := f.finished(t, now.Add(-time.Minute))
	r, env, _ := newRatingRig(t, f)
	r.Start(target(tx))
	test.TypeOnCanvas(env.Win.Canvas(), "2")
	if r.State != RatingReason {
		t.Fatalf("state %q after a bad level", r.State)
	}
	if len(r.Tags) != len(f.svc.Profile.Tags.Bad) || r.Tags["等候时间长"] == nil {
		t.Fatalf("tags offered %v", r.Tags)
	}
	test.Tap(r.Submit)
	if r.Status.Text != "请至少选择一项原因，或写下您的意见" || r.State != RatingReason {
		t.Errorf("refusal %q, state %q", r.Status.Text, r.State)
	}
	if len(f.evals(t, tx)) != 0 {
		t.Fatal("a bad review without a reason was stored")
	}
	test.Tap(r.Tags["等候时间长"])
	test.Tap(r.Tags["态度不好"])
	test.Tap(r.Tags["态度不好"]) // taken back
	if r.Tags["等候时间长"].Text != "✔ 等候时间长" || r.Tags["态度不好"].Text != "态度不好" {
		t.Errorf("toggles %q %q", r.Tags["等候时间长"].Text, r.Tags["态度不好"].Text)
	}
	test.Tap(r.Submit)
	es := f.evals(t, tx)
	if len(es) != 1 || es[0].Level != app.LevelBad || !slices.Equal(es[0].Tags, []string{"等候时间长"}) ||
		es[0].Channel != app.ChannelTablet {
		t.Fatalf("stored %+v", es)
	}
}

// Nobody rates: after the idle time the screen returns to 欢迎评价 and
// nothing is stored; a rating queued behind it starts then.
func TestRatingTimeoutStoresNothing(t *testing.T) {
	f := newFixture(t)
	tx := f.finished(t, now.Add(-time.Minute))
	tx2 := f.finished(t, now.Add(-time.Minute))
	r, env, timers := newRatingRig(t, f)
	r.Start(target(tx))
	r.Start(target(tx2)) // waits its turn
	test.TypeOnCanvas(env.Win.Canvas(), "1")
	if r.State != RatingReason {
		t.Fatalf("state %q", r.State)
	}
	if timers.fire(time.Minute) != 1 {
		t.Fatal("no idle timer")
	}
	if len(f.evals(t, tx)) != 0 {
		t.Error("the timeout stored a rating")
	}
	if r.State != RatingChoose || r.Target.Tx.ID != tx2.ID {
		t.Fatalf("the queued rating did not start: %q", r.State)
	}
	timers.fire(time.Minute)
	if r.State != RatingIdle || r.Headline.Text != "欢迎评价" || len(f.evals(t, tx2)) != 0 {
		t.Errorf("after the second timeout: %q %q", r.State, r.Headline.Text)
	}
	assertShown(t, env.Win, "欢迎评价")
}
