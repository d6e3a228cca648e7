package countysync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/internal/eventually"
	"bianmin/storage"
	countysync "bianmin/sync"
)

var ctx = context.Background()

const (
	testKey    = "centre-1"
	testSecret = "s3cret"
)

type centre struct {
	db                 *storage.DB
	win, clerk         int64
	item               string
	transactions, rows int
}

// newCentre opens a real SQLite file with a centre, a window, a clerk and an item.
func newCentre(t testing.TB) *centre {
	t.Helper()
	d, err := storage.Open(filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	c := &centre{db: d, item: "370911-001"}
	must(t, d.SaveCentre(ctx, app.Centre{Name: "示范镇便民服务中心", AreaCode: "370911105000", Profile: "national"}))
	c.win, err = d.AddWindow(ctx, app.Window{Number: 3, Name: "综合受理窗口", Kind: "综合受理", Active: true})
	must(t, err)
	c.clerk, err = d.AddStaff(ctx, app.Staff{No: "0101", Name: "王芳", Role: app.RoleClerk, Active: true})
	must(t, err)
	must(t, d.SaveItem(ctx, app.ServiceItem{Code: c.item, Name: "城乡居民基本养老保险参保登记", Department: "人社所",
		Instant: true, Materials: []string{}, Active: true}))
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// visit stores a completed transaction and its rating (level, text).
func (c *centre) visit(t testing.TB, level app.Level, text string) (app.Transaction, app.Evaluation) {
	t.Helper()
	now := time.Now().In(app.ChinaTime)
	tx, err := c.db.AddTransaction(ctx, app.Transaction{ItemCode: c.item, ApplicantName: "李明", IDHash: "h-" + now.String(),
		WindowID: c.win, ClerkID: c.clerk, Status: app.TxAccepted, Visits: 1, AcceptedAt: now})
	must(t, err)
	tx.Status, tx.CompletedAt = app.TxCompleted, now
	must(t, c.db.UpdateTransaction(ctx, tx))
	evs, err := c.db.AddEvaluations(ctx, []app.Evaluation{{TransactionID: tx.ID, Visit: 1, Dimension: app.DimWindow,
		Level: level, Tags: []string{}, Text: text, Channel: app.ChannelKeypad, Kind: app.KindActive,
		WindowID: c.win, ClerkID: c.clerk, ItemCode: c.item, RatedAt: now}}, nil, nil, app.AuditEntry{At: now, Action: "rate"})
	must(t, err)
	c.transactions++
	c.rows += 3 // add, update, evaluation
	return tx, evs[0]
}

func startSim(t testing.TB, opt countysync.SimOptions) (*countysync.Simulator, string) {
	t.Helper()
	if opt.Keys == nil {
		opt.Keys = map[string]string{testKey: testSecret}
	}
	sim, err := countysync.OpenSimulator(filepath.Join(t.TempDir(), "county.db"), opt)
	must(t, err)
	srv := httptest.NewServer(sim) // 127.0.0.1
	t.Cleanup(func() { srv.Close(); sim.Close() })
	return sim, srv.URL
}

func newSender(c *centre, url string) *countysync.Sender {
	s := countysync.DefaultSettings()
	s.URL, s.AppKey, s.Secret, s.Batch = url, testKey, testSecret, 50
	snd := countysync.NewSender(c.db, s)
	snd.BackoffBase, snd.BackoffMax, snd.MaxAttempts = 5*time.Millisecond, 50*time.Millisecond, 4
	snd.Client = &http.Client{Timeout: 5 * time.Second}
	return snd
}

// drainAll drains until the backlog is empty, as the periodic loop would.
func drainAll(t testing.TB, snd *countysync.Sender, maxRounds int) (rounds int) {
	t.Helper()
	for rounds = 1; rounds <= maxRounds; rounds++ {
		_, err := snd.Drain(ctx)
		st, serr := snd.Status(ctx)
		must(t, serr)
		if err == nil && st.Backlog == 0 {
			return rounds
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("backlog not drained after %d rounds", maxRounds)
	return
}

func assertExactlyOnce(t testing.TB, c *centre, sim *countysync.Simulator, want int) {
	t.Helper()
	cnt, err := sim.Counts(ctx)
	must(t, err)
	if cnt.Records != want {
		t.Fatalf("county holds %d records, want %d (one per outbox row): %+v", cnt.Records, want, cnt)
	}
	ids, err := sim.RecordIDs(ctx)
	must(t, err)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("record %s stored twice", id)
		}
		seen[id] = true
	}
	v, err := sim.OrderViolations(ctx)
	must(t, err)
	if v != 0 {
		t.Fatalf("%d evaluations/work orders arrived before their service record", v)
	}
	st, err := c.db.OutboxStats(ctx, storage.DefaultDestination)
	must(t, err)
	if st.Pending != 0 || st.Rejected != 0 {
		t.Fatalf("outbox after drain: %+v", st)
	}
}

// The link is down, then every fifth request fails and every fifth answer is
// lost after the county stored the batch: everything arrives exactly once.
func TestOutageFailuresAndDroppedResponses(t *testing.T) {
	c := newCentre(t)
	for i := 0; i < 120; i++ {
		c.visit(t, app.LevelVeryGood, "")
	}
	sim, url := startSim(t, countysync.SimOptions{DownFor: 300 * time.Millisecond, FailRate: 0.2, DropResponse: 0.2, Seed: 1})
	snd := newSender(c, url)

	_, err := snd.Drain(ctx)
	if err == nil {
		t.Fatal("drain succeeded while the county was down")
	}
	st, err := snd.Status(ctx)
	must(t, err)
	if st.Backlog != c.rows || !strings.Contains(st.LastError, "无法连接县级平台") {
		t.Fatalf("status while down: %+v", st)
	}
	time.Sleep(300 * time.Millisecond)
	drainAll(t, snd, 50)
	assertExactlyOnce(t, c, sim, c.rows)
	cnt, _ := sim.Counts(ctx)
	if cnt.Requests["dropped"] == 0 || cnt.Requests["fail"] == 0 || cnt.Requests["down"] == 0 {
		t.Fatalf("faults not exercised: %v", cnt.Requests)
	}
	st, err = snd.Status(ctx)
	must(t, err)
	if st.LastSuccess.IsZero() || st.LastError != "" || st.Backlog != 0 {
		t.Fatalf("status after drain: %+v", st)
	}
}

// A dropped response: the resend is answered "duplicate" and marks the rows sent.
func TestDroppedResponseResendIsDuplicate(t *testing.T) {
	c := newCentre(t)
	c.visit(t, app.LevelGood, "")
	sim, url := startSim(t, countysync.SimOptions{DropResponse: 1, Seed: 2})
	snd := newSender(c, url)
	snd.MaxAttempts = 1
	if _, err := snd.Drain(ctx); err == nil {
		t.Fatal("no error on a dropped response")
	}
	st, _ := snd.Status(ctx)
	if st.Backlog != 3 {
		t.Fatalf("backlog %d after a dropped response, want 3 (nothing marked)", st.Backlog)
	}
	// The county answers again; the resend carries the same record ids.
	sim.SetFaults(0, 0)
	res, err := snd.Drain(ctx)
	must(t, err)
	if res.Duplicates != 3 || res.Sent != 0 {
		t.Fatalf("resend: %+v, want 3 duplicates", res)
	}
	assertExactlyOnce(t, c, sim, 3)
}

// One record fails validation before sending, one is rejected by the county:
// both reach the manager's list, the rest of the batch goes through, and the
// corrected record is accepted after re-queueing.
func TestRejectedRecordsDoNotBlockTheBatch(t *testing.T) {
	c := newCentre(t)
	c.visit(t, app.LevelGood, "")
	_, bad := c.visit(t, app.LevelVeryBad, "") // no tags, no text
	c.visit(t, app.LevelGood, "")
	sim, url := startSim(t, countysync.SimOptions{Seed: 3})
	snd := newSender(c, url)
	res, err := snd.Drain(ctx)
	must(t, err)
	if res.Rejected != 1 || res.Sent != c.rows-1 {
		t.Fatalf("drain: %+v", res)
	}
	rej, err := snd.Rejected(ctx, 0)
	must(t, err)
	if len(rej) != 1 || rej[0].RecordUID != bad.UID || !strings.Contains(rej[0].Reason, "既无评价标签也无文字说明") {
		t.Fatalf("rejected list: %+v", rej)
	}
	st, _ := snd.Status(ctx)
	if st.Rejected != 1 || st.Backlog != 0 {
		t.Fatalf("status: %+v", st)
	}
	// The manager adds the reason the form carried and re-queues.
	var e app.Evaluation
	must(t, json.Unmarshal(rej[0].Payload, &e))
	e.Text = "等候时间过长"
	fixed, _ := json.Marshal(e)
	must(t, snd.Requeue(ctx, rej[0].OutboxID, fixed))
	res, err = snd.Drain(ctx)
	must(t, err)
	if res.Sent != 1 {
		t.Fatalf("after re-queue: %+v", res)
	}
	assertExactlyOnce(t, c, sim, c.rows)
}

// A county that reads satisfaction the other way rejects a 5 without text:
// the rejection is the county's, with its reason, and does not block others.
func TestCountyRejection(t *testing.T) {
	c := newCentre(t)
	c.visit(t, app.LevelVeryGood, "")
	c.visit(t, app.LevelGood, "很好")
	_, url := startSim(t, countysync.SimOptions{SatisfactionDescending: true, Seed: 4})
	snd := newSender(c, url)
	res, err := snd.Drain(ctx)
	must(t, err)
	if res.Rejected != 1 || res.Sent != 5 {
		t.Fatalf("drain: %+v", res)
	}
	rej, _ := snd.Rejected(ctx, 0)
	if len(rej) != 1 || !strings.HasPrefix(rej[0].Reason, "县级平台退回：差评须填写") {
		t.Fatalf("rejected: %+v", rej)
	}
}

// Corrupt, unexpected or partial answers never mark anything sent.
func TestCorruptResponsesMarkNothing(t *testing.T) {
	for name, answer := range map[string]func(ids []string) string{
		"not json":       func([]string) string { return `{"results": [` },
		"html":           func([]string) string { return `<html>502 Bad Gateway</html>` },
		"unknown status": func(ids []string) string { return `{"results":[{"id":"` + ids[0] + `","status":"ok"}]}` },
		"foreign id":     func([]string) string { return `{"results":[{"id":"x","status":"accepted"}]}` },
		"trailing":       func(ids []string) string { return `{"results":[{"id":"` + ids[0] + `","status":"accepted"}]} {}` },
	} {
		t.Run(name, func(t *testing.T) {
			c := newCentre(t)
			c.visit(t, app.LevelGood, "")
			// Signed with the right secret: the county's own answer, just wrong.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var b countysync.Batch
				json.NewDecoder(r.Body).Decode(&b)
				var ids []string
				for _, rec := range b.Records {
					ids = append(ids, rec.ID)
				}
				body := []byte(answer(ids))
				w.Header().Set(countysync.HeaderSignature,
					countysync.AnswerSignature([]byte(testSecret), r.Header.Get(countysync.HeaderSignature), body))
				w.Write(body)
			}))
			defer srv.Close()
			snd := newSender(c, srv.URL)
			snd.MaxAttempts = 2
			_, err := snd.Drain(ctx)
			if err == nil {
				t.Fatal("no error")
			}
			st, _ := snd.Status(ctx)
			if st.Backlog != 3 || st.LastError != "县级平台的应答无法识别，记录未标记为已上传，将自动重试" {
				t.Fatalf("status: %+v", st)
			}
		})
	}
}

// Records arrive service first: the county refuses an evaluation whose
// service record it has not seen, and none is refused here.
func TestServiceBeforeEvaluation(t *testing.T) {
	c := newCentre(t)
	for i := 0; i < 30; i++ {
		c.visit(t, app.LevelVeryGood, "")
	}
	sim, url := startSim(t, countysync.SimOptions{Seed: 5})
	snd := newSender(c, url)
	snd.Settings.Batch = 7 // batches cut between a service record and its evaluation
	res, err := snd.Drain(ctx)
	must(t, err)
	if res.Rejected != 0 {
		t.Fatalf("rejected: %+v", res)
	}
	assertExactlyOnce(t, c, sim, c.rows)
}

func TestWrongSecretIsNotRetriedAndSaysSo(t *testing.T) {
	c := newCentre(t)
	c.visit(t, app.LevelGood, "")
	sim, url := startSim(t, countysync.SimOptions{})
	snd := newSender(c, url)
	snd.Settings.Secret = "wrong"
	res, err := snd.Drain(ctx)
	if err == nil || res.Requests != 1 {
		t.Fatalf("drain with a wrong secret: %+v %v", res, err)
	}
	// The county signs its refusal with the real secret, which the centre
	// (holding a wrong one) cannot tell from a fake county's answer: either
	// way the message sends the manager to check the secret.
	st, _ := snd.Status(ctx)
	if st.LastError != countysync.MsgAnswerUnverified || st.Backlog != 3 {
		t.Fatalf("status: %+v", st)
	}
	cnt, _ := sim.Counts(ctx)
	if cnt.Records != 0 {
		t.Fatal("stored with a bad signature")
	}
}

// Run drains at once, and SendNow drains new records without waiting for the interval.
func TestRunAndSendNow(t *testing.T) {
	c := newCentre(t)
	c.visit(t, app.LevelGood, "")
	sim, url := startSim(t, countysync.SimOptions{})
	snd := newSender(c, url)
	snd.Settings.Interval = time.Hour
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- snd.Run(rctx) }()
	waitRecords(t, sim, 3)
	c.visit(t, app.LevelGood, "")
	snd.SendNow()
	waitRecords(t, sim, 6)
	cancel()
	<-done
}

func waitRecords(t *testing.T, sim *countysync.Simulator, n int) {
	t.Helper()
	eventually.True(t, fmt.Sprintf("%d records at the county", n), func() bool {
		cnt, err := sim.Counts(ctx)
		must(t, err)
		return cnt.Records == n
	})
}

func TestSettingsPersistAndValidate(t *testing.T) {
	c := newCentre(t)
	s := countysync.DefaultSettings()
	s.URL, s.AppKey, s.Secret, s.Interval = "https://hcp.example.gov.cn", "k", "s", 2*time.Minute
	s.PF[app.ChannelSMS] = 7
	s.PF[app.ChannelSystem] = 6
	s.SatisfactionDescending = true
	must(t, countysync.SaveSettings(ctx, c.db, s))
	got, err := countysync.LoadSettings(ctx, c.db)
	must(t, err)
	if got.URL != s.URL || got.Interval != 2*time.Minute || got.PF[app.ChannelSMS] != 7 || !got.SatisfactionDescending ||
		got.DataSource[app.ChannelPaper] != "002" {
		t.Fatalf("loaded %+v", got)
	}
	s.URL = "ftp://x"
	if err := countysync.SaveSettings(ctx, c.db, s); err == nil {
		t.Fatal("bad URL saved")
	}
}

func TestMappingFields(t *testing.T) {
	c := newCentre(t)
	tx, ev := c.visit(t, app.LevelBad, "态度不好")
	rows, err := c.db.PendingOutbox(ctx, storage.DefaultDestination, 0)
	must(t, err)
	s := countysync.DefaultSettings()
	s.SatisfactionDescending = true
	m, err := countysync.NewMapper(ctx, c.db, s)
	must(t, err)
	svc, err := m.Map(ctx, rows[1])
	must(t, err)
	var sd countysync.ServiceData
	must(t, json.Unmarshal(svc.Data, &sd))
	if svc.Kind != "service" || sd.ProjectNo != tx.Serial || sd.WindowNo != "3" || sd.ProManager != "0101" ||
		sd.TaskName != "城乡居民基本养老保险参保登记" || sd.DeptName != "人社所" || sd.PromiseType != "1" ||
		sd.ProStatus != "3" || sd.AreaCode != "370911105000" || sd.CertKey != tx.IDHash || sd.ResultDate == "" {
		t.Fatalf("service: %+v", sd)
	}
	if svc.ID != countysync.RecordID(rows[1]) || svc.ID == countysync.RecordID(rows[0]) {
		t.Fatal("record ids are not per outbox row")
	}
	evr, err := m.Map(ctx, rows[2])
	must(t, err)
	var ed countysync.EvaluationData
	must(t, json.Unmarshal(evr.Data, &ed))
	if ed.ProjectNo != tx.Serial || ed.Satisfaction == nil || *ed.Satisfaction != 4 || ed.Unrated || ed.PF != 5 || ed.AssessNumber != 1 || ed.EvalID != ev.UID ||
		ed.WritingEvaluation != "态度不好" || ed.DataSource != "001" || len(ed.AssessTime) != 19 {
		t.Fatalf("evaluation: %+v", ed)
	}
}
