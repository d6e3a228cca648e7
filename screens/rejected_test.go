package screens

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
	countysync "bianmin/sync"
)

// rejectedFixture: two keypad ratings of 非常满意 without text, uploaded to a
// county simulator that reads satisfaction the other way round (5 = 非常不满意)
// and so rejects both as bad reviews without a reason. A real sender, real
// HTTP on loopback, real SQLite.
func rejectedFixture(t *testing.T) (*fixture, *countysync.Sender, *countysync.Simulator) {
	t.Helper()
	f := newFixture(t)
	f.rate(t, f.finished(t, now.Add(-time.Hour)), app.LevelVeryGood)
	f.rate(t, f.finished(t, now.Add(-time.Hour)), app.LevelVeryGood)
	sim, err := countysync.OpenSimulator(filepath.Join(t.TempDir(), "county.db"), countysync.SimOptions{
		Keys: map[string]string{"k": "s"}, SatisfactionDescending: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); sim.Close() })
	s := countysync.DefaultSettings()
	s.URL, s.AppKey, s.Secret = srv.URL, "k", "s"
	snd := countysync.NewSender(f.db, s)
	res, err := snd.Drain(context.Background())
	if err != nil || res.Rejected != 2 {
		t.Fatalf("drain: %+v %v", res, err)
	}
	return f, snd, sim
}

func TestRejectedCorrectAndResend(t *testing.T) {
	ctx := context.Background()
	f, snd, sim := rejectedFixture(t)
	env := syncEnv(t)
	r := NewRejected(env, senderSource{snd}, &f.manager)
	env.Win.SetContent(r.Content())
	r.Reload()
	if len(r.Records) != 2 || r.Count.Text != "共 2 条" {
		t.Fatalf("list: %d records, %q", len(r.Records), r.Count.Text)
	}
	if !r.Edit.Disabled() || !r.Resend.Disabled() {
		t.Fatal("buttons enabled with nothing selected")
	}
	r.List.Select(0)
	if r.Selected == nil || r.Edit.Disabled() || r.Resend.Disabled() {
		t.Fatal("selecting a record did not enable its buttons")
	}
	if !slices.ContainsFunc(texts(env.Win), func(s string) bool {
		return strings.HasPrefix(s, "退回原因：县级平台退回：差评须填写评价标签")
	}) {
		t.Errorf("the county's reason is not shown: %q", texts(env.Win))
	}
	assertShown(t, env.Win, "评价等级：非常满意")
	assertShown(t, env.Win, "评价渠道：评价器")

	// 修改并重新上传: the manager adds the text the person gave.
	first := r.Selected.OutboxID
	test.Tap(r.Edit)
	if r.Form == nil || r.Form.Text == nil || r.Form.Tags == nil {
		t.Fatal("no correction form")
	}
	r.Form.Text.SetText("服务周到，很满意")
	r.Form.Submit()
	if r.Form != nil || len(r.Records) != 1 || r.Records[0].OutboxID == first {
		t.Fatalf("after correcting: form %v, %d records", r.Form, len(r.Records))
	}
	if !strings.Contains(r.Status.Text, "已重新排队") {
		t.Fatalf("status %q", r.Status.Text)
	}
	res, err := snd.Drain(ctx)
	if err != nil || res.Sent != 1 || res.Rejected != 0 {
		t.Fatalf("drain after correcting: %+v %v", res, err)
	}

	// 重新上传 as it is: the county rejects it again, with its reason.
	r.List.Select(0)
	test.Tap(r.Resend)
	if len(r.Records) != 0 || r.Count.Text != "共 0 条" {
		t.Fatalf("after re-sending: %d records", len(r.Records))
	}
	if st, _ := snd.Status(ctx); st.Backlog != 1 {
		t.Fatalf("backlog %d after re-sending, want 1", st.Backlog)
	}
	res, err = snd.Drain(ctx)
	if err != nil || res.Rejected != 1 {
		t.Fatalf("drain after re-sending: %+v %v", res, err)
	}
	r.Reload()
	if len(r.Records) != 1 {
		t.Fatalf("%d records after the county rejected it again", len(r.Records))
	}
	cnt, err := sim.Counts(ctx)
	if err != nil || cnt.Evaluations != 1 {
		t.Fatalf("county holds %d evaluations, want the corrected one", cnt.Evaluations)
	}
}

// A bad review corrected without a reason is refused in the form, not sent
// to be rejected again.
func TestRejectedFormRefusesABadReviewWithoutReason(t *testing.T) {
	_, snd, _ := rejectedFixture(t)
	env := syncEnv(t)
	r := NewRejected(env, senderSource{snd}, &app.Staff{ID: 1, Role: app.RoleManager, Active: true})
	env.Win.SetContent(r.Content())
	r.Reload()
	r.List.Select(0)
	// As if the record were a 非常不满意 (the sender's own check can reject one
	// whose reason was lost): the form insists on a tag or a text.
	var e app.Evaluation
	if err := json.Unmarshal(r.Selected.Payload, &e); err != nil {
		t.Fatal(err)
	}
	e.Level = app.LevelVeryBad
	r.Selected.Payload, _ = json.Marshal(e)
	test.Tap(r.Edit)
	r.Form.Tags.SetText(" ")
	r.Form.Text.SetText("  ")
	r.Form.Submit()
	if r.Form == nil || !strings.Contains(r.Form.Error.Text, "差评须有评价标签或文字说明") || len(r.Records) != 2 {
		t.Fatalf("bad review without reason: form %+v, %d records", r.Form, len(r.Records))
	}
	r.Form.Tags.SetText("态度不好、 等候时间长")
	r.Form.Submit()
	if len(r.Records) != 1 {
		t.Fatalf("%d records after a valid correction", len(r.Records))
	}
}

// A clerk sees the list but cannot re-queue.
func TestRejectedClerkCannotRequeue(t *testing.T) {
	_, snd, _ := rejectedFixture(t)
	env := syncEnv(t)
	clerk := app.Staff{ID: 99, No: "1001", Name: "赵小明", Role: app.RoleClerk, Active: true}
	r := NewRejected(env, senderSource{snd}, &clerk)
	env.Win.SetContent(r.Content())
	r.Reload()
	r.List.Select(0)
	if r.Selected == nil || !r.Edit.Disabled() || !r.Resend.Disabled() {
		t.Fatal("a clerk can re-queue")
	}
	back := false
	r.OnBack = func() { back = true }
	test.Tap(r.Back)
	if !back {
		t.Fatal("返回 did nothing")
	}
}

// senderSource is the window's conversion of the county sender for the
// screen (internal/gui/roles.go's senderRejected).
type senderSource struct{ *countysync.Sender }

func (s senderSource) Rejected(ctx context.Context, limit int) ([]RejectedRecord, error) {
	list, err := s.Sender.Rejected(ctx, limit)
	out := make([]RejectedRecord, len(list))
	for i, r := range list {
		out[i] = RejectedRecord(r)
	}
	return out, err
}
