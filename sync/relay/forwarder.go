package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"bianmin/app"
	"bianmin/outbox"
	"bianmin/storage"
)

// Forwarder defaults.
const (
	DefaultBatch       = 200
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = time.Minute
	DefaultInterval    = 30 * time.Second
)

// Forwarder drains a counter's outbox to the hub (see the package comment).
// Drain is one pass; Run drains on Kick, on a timer, and after failures with
// backoff. Safe for concurrent use: one drain runs at a time.
type Forwarder struct {
	DB          *storage.DB // the counter's own database
	URL         string      // the hub's relay base, e.g. http://192.168.1.10:8760/api/v1/relay
	Key         string      // the centre key (Authorization: Bearer)
	Node        string      // this counter's name for the hub's log (its serial prefix)
	Client      *http.Client
	Destination string // outbox destination (default storage.DefaultDestination)
	Batch       int
	BackoffBase time.Duration
	BackoffMax  time.Duration
	Interval    time.Duration // idle poll (a kick usually comes first)
	Log         *slog.Logger
	Now         func() time.Time

	once    sync.Once
	kick    outbox.Kicker
	drainMu sync.Mutex

	mu          sync.Mutex
	connected   bool
	configured  bool // configuration fetched since the last connect
	lastSuccess time.Time
	lastError   string
}

// NewForwarder forwards db's outbox to the hub at url with the centre key.
func NewForwarder(db *storage.DB, url, key string, log *slog.Logger) *Forwarder {
	return &Forwarder{DB: db, URL: url, Key: key, Log: log}
}

func (f *Forwarder) init() {
	f.once.Do(func() {
		f.kick = outbox.NewKicker()
		if f.Client == nil {
			d := &net.Dialer{Timeout: 3 * time.Second} // a LAN answers at once; a dead hub should not stall the drain
			f.Client = &http.Client{Timeout: 60 * time.Second,
				Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}}
		}
		if f.Destination == "" {
			f.Destination = storage.DefaultDestination
		}
		if f.Batch <= 0 || f.Batch > MaxBatch {
			f.Batch = DefaultBatch
		}
		if f.BackoffBase <= 0 {
			f.BackoffBase = DefaultBackoffBase
		}
		if f.BackoffMax <= 0 {
			f.BackoffMax = DefaultBackoffMax
		}
		if f.Interval <= 0 {
			f.Interval = DefaultInterval
		}
		if f.Log == nil {
			f.Log = slog.New(slog.DiscardHandler)
		}
		if f.Now == nil {
			f.Now = time.Now
		}
	})
}

// Kick asks Run to drain at once (after a local write; storage.DB.OnOutbox
// is the usual caller). It never blocks.
func (f *Forwarder) Kick() {
	f.init()
	f.kick.Kick()
}

// Error is a failed drain with the Chinese line for the counter's status bar.
type Error struct {
	Msg    string
	Err    error
	Status int // the hub's HTTP status, when it answered with an error
}

func (e *Error) Error() string { return e.Msg + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrHub is the cause of an answer the hub gave but the forwarder cannot use.
var ErrHub = errors.New("unexpected answer from the hub")

// Result counts what one drain did.
type Result struct {
	Sent       int // accepted by the hub
	Duplicates int // the hub had them already: acknowledged, marked sent
	Rejected   int // refused by the hub, now in the rejected list
	Skipped    int // work-order rows: the hub opens its own orders
	Batches    int
}

// Drain refreshes the configuration when (re)connecting, then sends every
// pending row, batch after batch, until none is left or a request fails.
func (f *Forwarder) Drain(ctx context.Context) (Result, error) {
	f.init()
	f.drainMu.Lock()
	defer f.drainMu.Unlock()
	res, err := f.drain(ctx)
	f.mu.Lock()
	if err != nil {
		f.connected, f.configured = false, false
		f.lastError = errText(err)
	} else {
		f.connected, f.lastSuccess, f.lastError = true, f.Now(), ""
	}
	f.mu.Unlock()
	return res, err
}

func (f *Forwarder) drain(ctx context.Context) (Result, error) {
	var res Result
	f.mu.Lock()
	configured := f.configured
	f.mu.Unlock()
	if !configured {
		if err := f.refreshConfig(ctx); err != nil {
			return res, err
		}
	}
	limit := f.Batch // halved while the hub finds a batch too large
	for {
		rows, err := f.DB.PendingOutbox(ctx, f.Destination, limit)
		if err != nil {
			return res, &Error{Msg: "读取本机待上传记录失败，稍后重试", Err: err}
		}
		if len(rows) == 0 {
			return res, nil
		}
		recs, ids, skip, rej, err := f.records(ctx, rows)
		if err != nil {
			return res, err
		}
		now := f.Now()
		if len(skip) > 0 {
			if err := f.DB.MarkOutboxSent(ctx, skip, now); err != nil {
				return res, &Error{Msg: "本机标记记录失败，稍后重试", Err: err}
			}
			res.Skipped += len(skip)
		}
		if len(rej) > 0 {
			if err := f.DB.RejectOutbox(ctx, rej, now); err != nil {
				return res, &Error{Msg: "本机标记记录失败，稍后重试", Err: err}
			}
			res.Rejected += len(rej)
		}
		if len(recs) == 0 {
			continue
		}
		results, err := f.post(ctx, recs)
		if he := (*Error)(nil); errors.As(err, &he) && he.Status == http.StatusRequestEntityTooLarge {
			if len(rows) > 1 {
				limit = max(1, len(rows)/2)
				f.Log.Info("hub found the batch too large, sending fewer", "records", len(rows), "next", limit)
				continue
			}
			// One record alone is too large: it can never go, so it joins the
			// rejected list instead of holding up the rows behind it.
			tooBig := []storage.Rejection{{ID: ids[0], Reason: "中心主机退回：" + he.Msg}}
			if err := f.DB.RejectOutbox(ctx, tooBig, f.Now()); err != nil {
				return res, &Error{Msg: "本机标记记录失败，稍后重试", Err: err}
			}
			res.Rejected++
			f.Log.Warn("hub refused a record as too large", "uid", recs[0].UID, "bytes", len(recs[0].Payload))
			continue
		}
		if err != nil {
			if merr := f.DB.MarkOutboxFailed(context.WithoutCancel(ctx), ids, errText(err)); merr != nil {
				f.Log.Warn("unable to count the failed attempt", "err", merr)
			}
			return res, err
		}
		res.Batches++
		var ok []int64
		var rejected []storage.Rejection
		for i, r := range results {
			switch r.Status {
			case storage.ImportAccepted:
				res.Sent++
				ok = append(ok, ids[i])
			case storage.ImportDuplicate:
				res.Duplicates++
				ok = append(ok, ids[i])
			default:
				reason := strings.TrimSpace(r.Reason)
				if reason == "" {
					reason = "未说明原因"
				}
				rejected = append(rejected, storage.Rejection{ID: ids[i], Reason: "中心主机退回：" + reason})
			}
		}
		now = f.Now()
		if len(ok) == 0 {
			// nothing to mark
		} else if err := f.DB.MarkOutboxSent(ctx, ok, now); err != nil {
			// The hub has them: the next drain resends and gets "duplicate".
			return res, &Error{Msg: "已上传但本机标记失败，稍后重传（中心主机会识别重复）", Err: err}
		}
		if err := f.DB.RejectOutbox(ctx, rejected, now); err != nil {
			return res, &Error{Msg: "本机标记记录失败，稍后重试", Err: err}
		}
		res.Rejected += len(rejected)
		if len(rejected) > 0 {
			f.Log.Warn("hub rejected records", "count", len(rejected), "first", rejected[0].Reason)
		}
	}
}

// records turns outbox rows into relay records, with the UIDs the hub needs
// to map this counter's IDs to its own. Work-order rows are skipped: the hub
// opens its own order for each bad review it takes in (SZ 22).
func (f *Forwarder) records(ctx context.Context, rows []storage.OutboxRow) (recs []storage.RelayRecord, ids, skip []int64,
	rej []storage.Rejection, err error) {
	txUID := map[int64]string{}
	evUID := map[int64]string{}
	lookupTx := func(id int64) (string, error) {
		if u, ok := txUID[id]; ok {
			return u, nil
		}
		t, err := f.DB.Transaction(ctx, id)
		if err != nil {
			return "", err
		}
		txUID[id] = t.UID
		return t.UID, nil
	}
	for _, row := range rows {
		rec := storage.RelayRecord{Kind: row.Kind, UID: row.RecordUID, Payload: row.Payload}
		var lerr error
		switch row.Kind {
		case storage.OutboxWorkOrder:
			skip = append(skip, row.ID)
			continue
		case storage.OutboxTransaction:
			var t app.Transaction
			if err := json.Unmarshal(row.Payload, &t); err != nil {
				rej = append(rej, storage.Rejection{ID: row.ID, Reason: "本机记录无法解析：" + err.Error()})
				continue
			}
			txUID[t.ID] = t.UID
			if t.ThemeParentID != 0 {
				rec.ParentUID, lerr = lookupTx(t.ThemeParentID)
			}
		case storage.OutboxEvaluation:
			var e app.Evaluation
			if err := json.Unmarshal(row.Payload, &e); err != nil {
				rej = append(rej, storage.Rejection{ID: row.ID, Reason: "本机记录无法解析：" + err.Error()})
				continue
			}
			evUID[e.ID] = e.UID
			if e.TransactionID != 0 {
				rec.TxUID, lerr = lookupTx(e.TransactionID)
			}
			if lerr == nil && e.CorrectsID != 0 {
				if u, ok := evUID[e.CorrectsID]; ok {
					rec.CorrectsUID = u
				} else {
					var old app.Evaluation
					old, lerr = f.DB.Evaluation(ctx, e.CorrectsID)
					rec.CorrectsUID = old.UID
				}
			}
		default:
			rej = append(rej, storage.Rejection{ID: row.ID, Reason: "中心主机不接收此类记录：" + row.Kind})
			continue
		}
		if errors.Is(lerr, app.ErrNotFound) {
			rej = append(rej, storage.Rejection{ID: row.ID, Reason: "本机找不到该记录关联的办件或评价"})
			continue
		}
		if lerr != nil {
			return nil, nil, nil, nil, &Error{Msg: "读取本机数据失败，稍后重试", Err: lerr}
		}
		recs = append(recs, rec)
		ids = append(ids, row.ID)
	}
	return recs, ids, skip, rej, nil
}

// post sends one batch and checks that the answer has one result per
// record, in order, each for the record's UID with a known status.
func (f *Forwarder) post(ctx context.Context, recs []storage.RelayRecord) ([]storage.ImportResult, error) {
	body, err := json.Marshal(RecordsRequest{Node: f.Node, Records: recs})
	if err != nil {
		return nil, &Error{Msg: "记录编码失败", Err: err}
	}
	var resp RecordsResponse
	if err := f.do(ctx, http.MethodPost, "/records", body, &resp); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &Error{Msg: "中心主机的应答无法识别，记录未标记为已上传，将自动重试", Err: fmt.Errorf("%w: "+format, append([]any{ErrHub}, args...)...)}
	}
	if len(resp.Results) != len(recs) {
		return nil, bad("%d results for %d records", len(resp.Results), len(recs))
	}
	for i, r := range resp.Results {
		if r.UID != recs[i].UID {
			return nil, bad("result %d is for %q, want %q", i, r.UID, recs[i].UID)
		}
		switch r.Status {
		case storage.ImportAccepted, storage.ImportDuplicate, storage.ImportRejected:
		default:
			return nil, bad("unknown status %q", r.Status)
		}
	}
	return resp.Results, nil
}

// FetchCase brings the case with the 流水号 serial from the hub into this
// counter's database (a 承诺件 accepted at another window, come back here), so
// it can be completed and rated here. The rows are the hub's own, over the
// pinned link, and were judged there; taken in by UID and not sent back.
func (f *Forwarder) FetchCase(ctx context.Context, serial string) error {
	f.init()
	var resp CaseResponse
	if err := f.do(ctx, http.MethodGet, "/case?serial="+url.QueryEscape(serial), nil, &resp); err != nil {
		return err
	}
	if len(resp.Records) == 0 || resp.Records[0].Kind != storage.OutboxTransaction {
		return &Error{Msg: "中心主机的应答无法识别", Err: fmt.Errorf("%w: case %s: no transaction", ErrHub, serial)}
	}
	fromHub := func(app.Evaluation, app.Transaction) error { return nil }
	res, err := f.DB.ImportRecords(ctx, resp.Records, storage.ImportRules{Vet: fromHub, FromHub: true})
	if err != nil {
		return &Error{Msg: "本机保存办件失败，请重试", Err: err}
	}
	for _, r := range res {
		if r.Status == storage.ImportRejected {
			return &Error{Msg: "办件 " + serial + " 无法在本机继续办理：" + r.Reason,
				Err: fmt.Errorf("case %s: record %s rejected here: %s", serial, r.UID, r.Reason)}
		}
	}
	f.Log.Info("case fetched from the hub", "serial", serial, "records", len(resp.Records))
	f.Kick()
	return nil
}

// CaseBySerial opens a case on a counter PC: from its own database, or,
// when this PC does not hold it (accepted at another window), from the hub
// first (FetchCase).
func CaseBySerial(ctx context.Context, svc *app.Service, f *Forwarder, actor *app.Staff, serial string) (app.OpenCase, error) {
	oc, err := svc.CaseBySerial(ctx, actor, serial)
	if app.ErrorCode(err) != app.CodeUnknownTransaction {
		return oc, err
	}
	if ferr := f.FetchCase(ctx, serial); ferr != nil {
		var re *Error
		if errors.As(ferr, &re) {
			return oc, &app.UserError{Code: "case_not_fetched", Msg: re.Msg, Err: ferr}
		}
		return oc, ferr
	}
	return svc.CaseBySerial(ctx, actor, serial)
}

// RefreshConfig fetches the hub's configuration and applies it to the
// counter's database (storage.ImportConfig). Drain does it on each connect.
func (f *Forwarder) RefreshConfig(ctx context.Context) error {
	f.init()
	f.drainMu.Lock()
	defer f.drainMu.Unlock()
	err := f.refreshConfig(ctx)
	f.mu.Lock()
	if err != nil {
		f.connected, f.lastError = false, errText(err)
	} else {
		f.connected, f.lastError = true, ""
	}
	f.mu.Unlock()
	return err
}

func (f *Forwarder) refreshConfig(ctx context.Context) error {
	var c storage.ConfigSnapshot
	if err := f.do(ctx, http.MethodGet, "/config", nil, &c); err != nil {
		return err
	}
	if err := f.DB.ImportConfig(ctx, c); err != nil {
		return &Error{Msg: "中心主机的配置无法保存到本机，请联系管理员", Err: err}
	}
	f.mu.Lock()
	f.configured = true
	f.mu.Unlock()
	f.Log.Info("configuration refreshed from the hub", "windows", len(c.Windows), "staff", len(c.Staff), "items", len(c.Items))
	return nil
}

func (f *Forwarder) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(f.URL, "/")+path, rd)
	if err != nil {
		return &Error{Msg: "中心主机地址无效，请检查本机设置", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+f.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return &Error{Msg: "上传已停止", Err: err}
		}
		return &Error{Msg: "中心主机未连接", Err: err}
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &Error{Msg: "中心主机未连接", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		_ = json.Unmarshal(rb, &eb)
		msg := eb.Msg
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			msg = "中心主机拒绝连接：中心密钥不正确，请在本机设置中核对"
		case msg == "":
			msg = fmt.Sprintf("中心主机暂时不可用（HTTP %d）", resp.StatusCode)
		}
		return &Error{Msg: msg, Err: fmt.Errorf("%w: HTTP %s: %.200s", ErrHub, resp.Status, rb), Status: resp.StatusCode}
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return &Error{Msg: "中心主机的应答无法识别，将自动重试", Err: fmt.Errorf("%w: %v", ErrHub, err)}
	}
	return nil
}

func errText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return "上传失败：" + err.Error()
}

// Run drains at once, then on every Kick, every Interval, and after a failure
// again after a capped exponential backoff with jitter, until ctx ends.
func (f *Forwarder) Run(ctx context.Context) error {
	f.init()
	return outbox.Loop{
		Kick:     f.kick,
		Interval: f.Interval,
		Retry:    outbox.Backoff{Base: f.BackoffBase, Max: f.BackoffMax}.After,
		Drain: func(ctx context.Context) error {
			res, err := f.Drain(ctx)
			if err == nil && res.Sent+res.Duplicates+res.Rejected > 0 {
				f.Log.Info("forwarded to the hub", "sent", res.Sent, "duplicates", res.Duplicates, "rejected", res.Rejected)
			}
			return err
		},
		Failed: func(err error, next time.Duration) {
			f.Log.Info("forwarding to the hub failed", "err", err, "retry_in", next)
		},
	}.Run(ctx)
}

// Status is what the counter's status bar shows about the link to the hub.
type Status struct {
	Connected    bool
	Backlog      int       // rows saved here, not yet on the hub
	Rejected     int       // rows the hub refused, waiting for the manager
	OldestUnsent time.Time // zero when none
	LastSuccess  time.Time // zero: never since start
	LastError    string    // Chinese; empty when the last attempt succeeded
}

// Status reads the queue and the last outcome.
func (f *Forwarder) Status(ctx context.Context) (Status, error) {
	f.init()
	st, err := f.DB.OutboxStats(ctx, f.Destination)
	if err != nil {
		return Status{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return Status{Connected: f.connected, Backlog: st.Pending, Rejected: st.Rejected, OldestUnsent: st.OldestUnsent,
		LastSuccess: f.lastSuccess, LastError: f.lastError}, nil
}

// Pending is the counter bar's part of it: what waits to go to the hub,
// never whether the hub is connected, since the counter's own link line says
// that (two lines judging the link apart could say opposite things).
func (s Status) Pending() string {
	var b strings.Builder
	switch {
	case s.Backlog > 0 && !s.Connected:
		fmt.Fprintf(&b, "%d 条记录已保存在本机，连上中心主机后自动上传", s.Backlog)
	case s.Backlog > 0:
		fmt.Fprintf(&b, "正在上传 %d 条记录", s.Backlog)
	default:
		b.WriteString("记录已全部上传")
	}
	if s.Rejected > 0 {
		fmt.Fprintf(&b, "；%d 条被中心主机退回，请中心负责人处理", s.Rejected)
	}
	return b.String()
}

// Rejected lists the rows the hub refused, with its reasons, oldest first.
func (f *Forwarder) Rejected(ctx context.Context, limit int) ([]storage.OutboxRow, error) {
	f.init()
	return f.DB.RejectedOutbox(ctx, f.Destination, limit)
}

// Start wires the forwarder on a counter: every local write that queues a
// record kicks it (storage.DB.OnOutbox), and Run goes until ctx ends. The
// returned channel gets Run's result.
func (f *Forwarder) Start(ctx context.Context) <-chan error {
	f.init()
	f.DB.OnOutbox(f.Kick)
	done := make(chan error, 1)
	go func() {
		err := f.Run(ctx)
		f.DB.OnOutbox(nil)
		done <- err
	}()
	return done
}
