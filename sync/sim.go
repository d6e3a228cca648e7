package countysync

import (
	"context"
	"database/sql"
	"encoding/json"

	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the simulator keeps what it receives in its own SQLite file
)

// SimOptions configure the county simulator and its injected faults.
type SimOptions struct {
	Keys map[string]string // app key → secret
	// Faults. FailRate: share of record requests answered 503 before
	// anything is stored. DropResponse: share of requests whose records are
	// stored and whose connection is then closed without an answer. DownFor:
	// from the start, every connection is closed at once (the link is down).
	FailRate     float64
	DropResponse float64
	Latency      time.Duration
	DownFor      time.Duration
	// SatisfactionDescending: the county's direction of satisfaction codes.
	SatisfactionDescending bool
	// Config is served by GET /api/v1/config as it is, including its
	// "qrRatings" (the phone ratings the county hands down); nil: 404, a
	// county that pushes nothing down.
	Config json.RawMessage
	Seed   uint64
	Log    *slog.Logger
}

// Simulator is the receiving side of the county interface, over HTTP.
type Simulator struct {
	opt   SimOptions
	db    *sql.DB
	start time.Time
	mu    sync.Mutex // one batch at a time, and guards rnd
	rnd   *rand.Rand
}

const simSchema = `
CREATE TABLE IF NOT EXISTS records (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	batch_id    TEXT NOT NULL,
	centre      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	project_no  TEXT NOT NULL,
	data        TEXT NOT NULL,
	received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS services (
	centre     TEXT NOT NULL,
	project_no TEXT NOT NULL,
	record_id  TEXT NOT NULL,
	data       TEXT NOT NULL,
	PRIMARY KEY (centre, project_no)
);
CREATE TABLE IF NOT EXISTS evaluations (
	record_id      TEXT PRIMARY KEY,
	centre         TEXT NOT NULL,
	project_no     TEXT NOT NULL,
	service_number INTEGER NOT NULL,
	assess_number  INTEGER NOT NULL,
	eval_id        TEXT NOT NULL,
	corrects       TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS evaluations_key ON evaluations(centre, project_no, service_number, assess_number)
	WHERE corrects = '';
CREATE TABLE IF NOT EXISTS rejections (
	id       TEXT NOT NULL,
	batch_id TEXT NOT NULL,
	reason   TEXT NOT NULL,
	at       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
	at      INTEGER NOT NULL,
	outcome TEXT NOT NULL
);
`

// OpenSimulator opens (or creates) the simulator's database at path.
func OpenSimulator(path string, opt SimOptions) (*Simulator, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+abs+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(simSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("county simulator: unable to create %s: %w", abs, err)
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Seed == 0 {
		opt.Seed = uint64(time.Now().UnixNano())
	}
	return &Simulator{opt: opt, db: db, start: time.Now(), rnd: rand.New(rand.NewPCG(opt.Seed, 7))}, nil
}

// Close closes the simulator's database.
func (s *Simulator) Close() error { return s.db.Close() }

// DefaultSimConfig is an example of a small, valid pushed-down configuration.
var DefaultSimConfig = json.RawMessage(`{
	"version": "2025.1",
	"items": [{"code": "370911-001", "name": "城乡居民基本养老保险参保登记", "department": "人社所", "instant": true}],
	"holidays": [],
	"profile": "national",
	"tags": [{"code": "T01", "name": "服务态度差"}],
	"manifest": {"version": "", "url": "", "sha256": ""},
	"qrRatings": []
}`)

// ServeHTTP implements POST /api/v1/records and GET /api/v1/config. Every
// answer is signed for the request it answers (county-upload.md, "Trust:
// answers are signed too"), with the secret of the request's app key; a
// request with an unknown key gets an unsigned answer, which its sender
// cannot verify either.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opt.DownFor > 0 && time.Since(s.start) < s.opt.DownFor {
		s.note("down")
		closeConn(w)
		return
	}
	if s.opt.Latency > 0 {
		time.Sleep(s.opt.Latency)
	}
	switch {
	case r.URL.Path == "/api/v1/records" && r.Method == http.MethodPost:
		s.records(w, r)
	case r.URL.Path == "/api/v1/config" && r.Method == http.MethodGet:
		secret, err := VerifyHMAC(r.Header, nil, s.opt.Keys, time.Now(), 5*time.Minute)
		if err != nil {
			writeJSON(w, r, secret, http.StatusUnauthorized, map[string]string{"error": err.Error()})
			return
		}
		s.mu.Lock()
		cfg := s.opt.Config
		s.mu.Unlock()
		if cfg == nil {
			writeJSON(w, r, secret, http.StatusNotFound, map[string]string{"error": "no configuration for this centre"})
			return
		}
		writeBody(w, r, secret, http.StatusOK, cfg)
	default:
		writeJSON(w, r, s.opt.Keys[r.Header.Get(HeaderAppKey)], http.StatusNotFound, map[string]string{"error": "not found"})
	}
}

// SetConfig changes what GET /api/v1/config serves (nil: nothing, 404).
// It is served as given, broken or not: tests and county IT use it to see a
// centre refuse a bad configuration and keep its old one.
func (s *Simulator) SetConfig(cfg json.RawMessage) {
	s.mu.Lock()
	s.opt.Config = cfg
	s.mu.Unlock()
}

// SetFaults changes the failure and dropped-response rates while running.
func (s *Simulator) SetFaults(failRate, dropResponse float64) {
	s.mu.Lock()
	s.opt.FailRate, s.opt.DropResponse = failRate, dropResponse
	s.mu.Unlock()
}

func (s *Simulator) roll(p *float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *p > 0 && s.rnd.Float64() < *p
}

func (s *Simulator) records(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return
	}
	secret, err := VerifyHMAC(r.Header, body, s.opt.Keys, time.Now(), 5*time.Minute)
	if err != nil {
		s.note("unauthorized")
		writeJSON(w, r, secret, http.StatusUnauthorized, map[string]string{"error": err.Error()})
		return
	}
	if s.roll(&s.opt.FailRate) {
		s.note("fail")
		writeJSON(w, r, secret, http.StatusServiceUnavailable, map[string]string{"error": "injected failure"})
		return
	}
	var b struct {
		Centre  string   `json:"centre"`
		BatchID string   `json:"batchId"`
		Records []Record `json:"records"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		writeJSON(w, r, secret, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return
	}
	results, err := s.store(r.Context(), b.Centre, b.BatchID, b.Records)
	if err != nil {
		s.opt.Log.Error("county simulator: store failed", "err", err)
		writeJSON(w, r, secret, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if s.roll(&s.opt.DropResponse) {
		s.note("dropped")
		closeConn(w)
		return
	}
	s.note("ok")
	writeJSON(w, r, secret, http.StatusOK, Response{Results: results})
}

func (s *Simulator) note(outcome string) {
	s.db.Exec(`INSERT INTO requests (at, outcome) VALUES (?, ?)`, time.Now().UnixMilli(), outcome)
}

// simStmts are the receiving rules' writes, prepared once per batch: a batch
// of 500 records would otherwise parse the same SQL thousands of times.
type simStmts struct {
	putService, putEval, putRecord, putRejected *sql.Stmt
}

func prepareSim(ctx context.Context, tx *sql.Tx) (*simStmts, error) {
	var st simStmts
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.putService, `INSERT INTO services (centre, project_no, record_id, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (centre, project_no) DO UPDATE SET record_id = excluded.record_id, data = excluded.data`},
		{&st.putEval, `INSERT INTO evaluations (record_id, centre, project_no, service_number, assess_number, eval_id, corrects)
			VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&st.putRecord, `INSERT INTO records (id, batch_id, centre, kind, project_no, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&st.putRejected, `INSERT INTO rejections (id, batch_id, reason, at) VALUES (?, ?, ?, ?)`},
	} {
		stmt, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			return nil, err
		}
		*p.dst = stmt
	}
	return &st, nil
}

// evalKey is the spec's duplicate key of an evaluation within a centre.
type evalKey struct {
	pno             string
	service, assess int
}

// simBatch is what the receiving rules need to know about the stored data
// for one batch, read with one query each instead of one per record; the
// batch's own records are added as they are stored.
type simBatch struct {
	seen     map[string]bool // record ids held
	services map[string]bool // projectNos with a service record
	evals    map[evalKey]bool
}

// loadBatch reads the stored facts the batch's records refer to.
func loadBatch(ctx context.Context, tx *sql.Tx, centre string, recs []Record, data []any) (*simBatch, error) {
	b := &simBatch{seen: map[string]bool{}, services: map[string]bool{}, evals: map[evalKey]bool{}}
	ids := make([]string, len(recs))
	pnos := make([]string, 0, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
		switch d := data[i].(type) {
		case *EvaluationData:
			pnos = append(pnos, d.ProjectNo)
		case *WorkOrderData:
			pnos = append(pnos, d.ProjectNo)
		}
	}
	idList, _ := json.Marshal(ids)
	pnoList, _ := json.Marshal(pnos)
	query := func(q string, scan func(*sql.Rows) error, args ...any) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := query(`SELECT id FROM records WHERE id IN (SELECT value FROM json_each(?))`, func(r *sql.Rows) error {
		var id string
		err := r.Scan(&id)
		b.seen[id] = true
		return err
	}, string(idList))
	if err != nil {
		return nil, err
	}
	err = query(`SELECT project_no FROM services WHERE centre = ? AND project_no IN (SELECT value FROM json_each(?))`,
		func(r *sql.Rows) error {
			var p string
			err := r.Scan(&p)
			b.services[p] = true
			return err
		}, centre, string(pnoList))
	if err != nil {
		return nil, err
	}
	err = query(`SELECT project_no, service_number, assess_number FROM evaluations
		WHERE centre = ? AND corrects = '' AND project_no IN (SELECT value FROM json_each(?))`,
		func(r *sql.Rows) error {
			var k evalKey
			err := r.Scan(&k.pno, &k.service, &k.assess)
			b.evals[k] = true
			return err
		}, centre, string(pnoList))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// store applies the spec's receiving rules to the batch in one transaction.
func (s *Simulator) store(ctx context.Context, centre, batchID string, recs []Record) ([]Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() // closes the prepared statements too
	st, err := prepareSim(ctx, tx)
	if err != nil {
		return nil, err
	}
	data := make([]any, len(recs))
	bad := make([]error, len(recs))
	for i, rec := range recs {
		data[i], bad[i] = decodeRecord(rec)
	}
	known, err := loadBatch(ctx, tx, centre, recs, data)
	if err != nil {
		return nil, err
	}
	now := time.Now().UnixMilli()
	out := make([]Result, 0, len(recs))
	for i, rec := range recs {
		res, err := s.one(ctx, st, known, centre, batchID, rec, data[i], bad[i], now)
		if err != nil {
			return nil, err
		}
		if res.Status == StatusRejected {
			if _, err := st.putRejected.ExecContext(ctx, rec.ID, batchID, res.Reason, now); err != nil {
				return nil, err
			}
		}
		out = append(out, res)
	}
	return out, tx.Commit()
}

func (s *Simulator) one(ctx context.Context, st *simStmts, known *simBatch, centre, batchID string, rec Record,
	data any, invalid error, now int64) (Result, error) {
	rejected := func(format string, args ...any) (Result, error) {
		return Result{ID: rec.ID, Status: StatusRejected, Reason: fmt.Sprintf(format, args...)}, nil
	}
	if known.seen[rec.ID] {
		return Result{ID: rec.ID, Status: StatusDuplicate}, nil
	}
	if err := ValidAreaCode(centre); err != nil {
		return rejected("centre 不是12位行政区划代码")
	}
	if invalid != nil {
		return rejected("%s", invalid.Error())
	}
	var pno string
	switch d := data.(type) {
	case *ServiceData:
		pno = d.ProjectNo
		if _, err := st.putService.ExecContext(ctx, centre, pno, rec.ID, string(rec.Data)); err != nil {
			return Result{}, err
		}
		known.services[pno] = true
	case *EvaluationData:
		pno = d.ProjectNo
		if badWithoutReason(*d, s.opt.SatisfactionDescending) {
			return rejected("差评须填写评价标签（evalDetail）或文字评价（writingEvaluation）")
		}
		if !known.services[pno] {
			return rejected("办件 %s 的办件记录尚未上报，评价无法接收", pno)
		}
		k := evalKey{pno, d.ServiceNumber, d.AssessNumber}
		if d.Corrects == "" {
			if known.evals[k] {
				return rejected("重复评价：办件 %s 第%d次服务的第%d次评价已存在", pno, d.ServiceNumber, d.AssessNumber)
			}
			known.evals[k] = true
		}
		if _, err := st.putEval.ExecContext(ctx, rec.ID, centre, pno, d.ServiceNumber, d.AssessNumber, d.EvalID, d.Corrects); err != nil {
			return Result{}, err
		}
	case *WorkOrderData:
		pno = d.ProjectNo
		if !known.services[pno] {
			return rejected("办件 %s 的办件记录尚未上报，工单无法接收", pno)
		}
	}
	if _, err := st.putRecord.ExecContext(ctx, rec.ID, batchID, centre, rec.Kind, pno, string(rec.Data), now); err != nil {
		return Result{}, err
	}
	known.seen[rec.ID] = true
	return Result{ID: rec.ID, Status: StatusAccepted}, nil
}

// SimCounts is what the simulator holds.
type SimCounts struct {
	Records, Services, Evaluations, WorkOrders, Rejections int
	Requests                                               map[string]int // by outcome: ok, fail, dropped, down, unauthorized
}

// Counts reads the simulator's totals.
func (s *Simulator) Counts(ctx context.Context) (SimCounts, error) {
	c := SimCounts{Requests: map[string]int{}}
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM records),
		(SELECT count(*) FROM records WHERE kind = 'service'),
		(SELECT count(*) FROM records WHERE kind = 'evaluation'),
		(SELECT count(*) FROM records WHERE kind = 'workorder'),
		(SELECT count(*) FROM rejections)`).Scan(&c.Records, &c.Services, &c.Evaluations, &c.WorkOrders, &c.Rejections)
	if err != nil {
		return c, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT outcome, count(*) FROM requests GROUP BY outcome`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			return c, err
		}
		c.Requests[o] = n
	}
	return c, rows.Err()
}

// RecordIDs returns the ids of the stored records in arrival order.
func (s *Simulator) RecordIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM records ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// OrderViolations counts evaluations and work orders stored before any
// service record of their projectNo (there should be none).
func (s *Simulator) OrderViolations(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `
		SELECT count(*) FROM records r WHERE r.kind <> 'service' AND NOT EXISTS (
			SELECT 1 FROM records s WHERE s.kind = 'service' AND s.centre = r.centre
			AND s.project_no = r.project_no AND s.seq < r.seq)`).Scan(&n)
	return n, err
}

func writeJSON(w http.ResponseWriter, r *http.Request, secret string, code int, v any) {
	b, _ := json.Marshal(v)
	writeBody(w, r, secret, code, append(b, '\n'))
}

// writeBody answers r with body, signed with secret (none when "").
func writeBody(w http.ResponseWriter, r *http.Request, secret string, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	if secret != "" {
		w.Header().Set(HeaderSignature, AnswerSignature([]byte(secret), r.Header.Get(HeaderSignature), body))
	}
	w.WriteHeader(code)
	w.Write(body)
}

// closeConn drops the connection without an HTTP answer.
func closeConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
