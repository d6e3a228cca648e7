package countysync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/printing"
	countysync "bianmin/sync"
)

const qrKey = "receipt-link-key"

// completed stores a transaction completed at `at`, not yet rated.
func (c *centre) completed(t *testing.T, at time.Time) app.Transaction {
	t.Helper()
	c.transactions++
	tx, err := c.db.AddTransaction(ctx, app.Transaction{ItemCode: c.item, ApplicantName: "赵六",
		IDHash: fmt.Sprintf("qr-%d", c.transactions), WindowID: c.win, ClerkID: c.clerk, Status: app.TxCompleted,
		Visits: 1, CreatedAt: at.Add(-20 * time.Minute), AcceptedAt: at.Add(-15 * time.Minute), CompletedAt: at})
	must(t, err)
	return tx
}

func (c *centre) service(t *testing.T) *app.Service {
	t.Helper()
	p, err := app.LoadProfile("national", "")
	must(t, err)
	return app.NewService(c.db, app.SystemClock{}, p, app.NewCalendar(), slog.New(slog.DiscardHandler))
}

type qr = countysync.QRRating

func qrConfig(t *testing.T, ratings ...qr) json.RawMessage {
	t.Helper()
	var cfg map[string]any
	must(t, json.Unmarshal(goodConfig("2026.2"), &cfg))
	cfg["qrRatings"] = ratings
	b, err := json.Marshal(cfg)
	must(t, err)
	return b
}

func assessTime(t time.Time) string { return t.In(app.ChinaTime).Format(countysync.TimeLayout) }

// Phone ratings arrive with the configuration: each is matched by 流水号 and
// stored through the rules; the ones the rules (or the signature check)
// refuse are listed for the manager with the reason; a bad one opens its work
// order; pulled again, nothing is stored twice.
func TestQRRatingsStoredOnceThroughTheRules(t *testing.T) {
	c := newCentre(t)
	now := time.Now().In(app.ChinaTime)
	good := c.completed(t, now.Add(-time.Hour))
	bad := c.completed(t, now.Add(-time.Hour))
	rated, _ := c.visit(t, app.LevelGood, "")
	late := c.completed(t, now.AddDate(0, 0, -30))
	forged := c.completed(t, now.Add(-time.Hour))
	sig := func(serial string) string { return printing.Sign([]byte(qrKey), serial) }
	at := assessTime(now.Add(-time.Minute))
	ratings := []qr{
		{ID: "Q1", ProjectNo: good.Serial, Satisfaction: 5, AssessTime: at, Sig: sig(good.Serial)},
		{ID: "Q2", ProjectNo: bad.Serial, Satisfaction: 1, EvalDetail: "T01", WritingEvaluation: "窗口人员玩手机",
			AssessTime: at, Sig: sig(bad.Serial), EvaluatorTel: "13800000000"},
		{ID: "Q3", ProjectNo: rated.Serial, Satisfaction: 4, AssessTime: at, Sig: sig(rated.Serial)},
		{ID: "Q4", ProjectNo: late.Serial, Satisfaction: 5, AssessTime: at, Sig: sig(late.Serial)},
		{ID: "Q5", ProjectNo: forged.Serial, Satisfaction: 5, AssessTime: at, Sig: sig(good.Serial)},
		{ID: "Q6", ProjectNo: "BM-NO-SUCH", Satisfaction: 5, AssessTime: at, Sig: sig("BM-NO-SUCH")},
		{ID: "Q7", ProjectNo: forged.Serial, Satisfaction: 2, AssessTime: at, Sig: sig(forged.Serial)}, // bad, no reason
		// Serial numbers are sequential: a rating made up without the
		// receipt's signature is refused (county-upload.md, "QR").
		{ID: "Q8", ProjectNo: forged.Serial, Satisfaction: 5, AssessTime: at},
	}
	sim, url := startSim(t, countysync.SimOptions{Config: qrConfig(t, ratings...)})
	snd := newSender(c, url)
	snd.Settings.QRKey = qrKey
	snd.Rater = c.service(t)

	res, err := snd.PullConfig(ctx)
	must(t, err)
	if res.QR.Stored != 2 || res.QR.Refused != 6 {
		t.Fatalf("first pull: %+v", res.QR)
	}
	evs, err := c.db.EvaluationsFor(ctx, []int64{good.ID, bad.ID, forged.ID})
	must(t, err)
	if len(evs) != 2 {
		t.Fatalf("stored %d evaluations, want 2: %+v", len(evs), evs)
	}
	for _, e := range evs {
		if e.Channel != app.ChannelQR {
			t.Fatalf("channel %s", e.Channel)
		}
		if e.TransactionID == bad.ID && (e.Level != app.LevelVeryBad || len(e.Tags) != 1 || e.Tags[0] != "态度冷淡" ||
			e.EvaluatorTel != "13800000000") {
			t.Fatalf("bad rating: %+v", e)
		}
	}
	orders, err := c.db.WorkOrders(ctx, app.OrderFilter{})
	must(t, err)
	if len(orders) != 1 || orders[0].TransactionID != bad.ID {
		t.Fatalf("work orders: %+v", orders)
	}
	refusals, err := snd.QRRefusals(ctx)
	must(t, err)
	why := map[string]string{}
	for _, r := range refusals {
		why[r.ID] = r.Reason
	}
	for id, want := range map[string]string{"Q3": "已评价", "Q4": "已超过评价时限", "Q5": "二维码签名与办件流水号不符",
		"Q6": "未找到办件 BM-NO-SUCH", "Q7": "差评须选择至少一个标签或填写原因", "Q8": "缺少回执签名"} {
		if !strings.Contains(why[id], want) {
			t.Fatalf("refusal of %s: %q, want %q (all: %v)", id, why[id], want, why)
		}
	}
	st, err := snd.Status(ctx)
	must(t, err)
	if st.QRRefused != 6 || !strings.Contains(strings.Join(st.Lines(), "\n"), "未能入账的扫码评价：6 条") {
		t.Fatalf("status: %+v", st)
	}

	// The county serves them again (and one twice): nothing changes.
	sim.SetConfig(qrConfig(t, append(ratings, ratings[0])...))
	res, err = snd.PullConfig(ctx)
	must(t, err)
	if res.QR.Stored != 0 || res.QR.Refused != 0 || res.QR.Known != len(ratings)+1 {
		t.Fatalf("second pull: %+v", res.QR)
	}
	evs, _ = c.db.EvaluationsFor(ctx, []int64{good.ID, bad.ID, forged.ID})
	refusals, _ = snd.QRRefusals(ctx)
	if len(evs) != 2 || len(refusals) != 6 {
		t.Fatalf("after the second pull: %d evaluations, %d refusals", len(evs), len(refusals))
	}
}

// crashAfterRate stores the rating, then fails as a crash before the rating
// is marked processed would.
type crashAfterRate struct{ svc *app.Service }

func (c crashAfterRate) Rate(ctx context.Context, actor *app.Staff, req app.RateRequest) ([]app.Evaluation, error) {
	if _, err := c.svc.Rate(ctx, actor, req); err != nil {
		return nil, err
	}
	return nil, errors.New("disk I/O error")
}

// A rating stored just before a failure is recognised on the next pull: it
// is neither stored twice nor listed as "already rated".
func TestQRRatingStoredBeforeACrashIsNotRefused(t *testing.T) {
	c := newCentre(t)
	tx := c.completed(t, time.Now().Add(-time.Hour))
	_, url := startSim(t, countysync.SimOptions{Config: qrConfig(t,
		qr{ID: "Q1", ProjectNo: tx.Serial, Satisfaction: 5, AssessTime: assessTime(time.Now().Add(-time.Minute)),
			Sig: printing.Sign([]byte(qrKey), tx.Serial)})})
	snd := newSender(c, url)
	snd.Settings.QRKey = qrKey
	svc := c.service(t)
	snd.Rater = crashAfterRate{svc}
	if _, err := snd.PullConfig(ctx); err == nil {
		t.Fatal("no error")
	}
	snd.Rater = svc
	res, err := snd.PullConfig(ctx)
	must(t, err)
	refusals, _ := snd.QRRefusals(ctx)
	evs, _ := c.db.EvaluationsFor(ctx, []int64{tx.ID})
	if res.QR.Stored != 1 || len(refusals) != 0 || len(evs) != 1 {
		t.Fatalf("after the crash: %+v, refusals %v, %d evaluations", res.QR, refusals, len(evs))
	}
}

// A configuration that is refused still brings its phone ratings in.
func TestQRRatingsStoredWhenTheConfigurationIsRefused(t *testing.T) {
	c := newCentre(t)
	tx := c.completed(t, time.Now().Add(-time.Hour))
	cfg, err := json.Marshal(map[string]any{"version": "2026.9", "items": []any{}, "qrRatings": []qr{
		{ID: "Q1", ProjectNo: tx.Serial, Satisfaction: 4, AssessTime: assessTime(time.Now().Add(-time.Minute)),
			Sig: printing.Sign([]byte(qrKey), tx.Serial)}}})
	must(t, err)
	_, url := startSim(t, countysync.SimOptions{Config: cfg})
	snd := newSender(c, url)
	snd.Settings.QRKey = qrKey
	snd.Rater = c.service(t)
	res, err := snd.PullConfig(ctx)
	if err == nil || res.Applied || res.QR.Stored != 1 {
		t.Fatalf("pull: %+v %v", res, err)
	}
	st, _ := snd.Status(ctx)
	if !strings.Contains(st.Config.Error, "事项目录为空") {
		t.Fatalf("status: %+v", st.Config)
	}
}
