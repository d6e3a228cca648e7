package countysync

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
	"strings"
	"sync"
	"time"

	"bianmin/app"
	"bianmin/outbox"
	"bianmin/storage"
)

// Queue is the outbox as the sender needs it; storage.DB implements it.
type Queue interface {
	PendingOutbox(ctx context.Context, destination string, limit int) ([]storage.OutboxRow, error)
	PendingOutboxAfter(ctx context.Context, destination string, after int64, limit int) ([]storage.OutboxRow, error)
	MarkOutboxSent(ctx context.Context, ids []int64, at time.Time) error
	MarkOutboxFailed(ctx context.Context, ids []int64, msg string) error
	RejectOutbox(ctx context.Context, rej []storage.Rejection, at time.Time) error
	RejectedOutbox(ctx context.Context, destination string, limit int) ([]storage.OutboxRow, error)
	RequeueOutbox(ctx context.Context, id int64, payload json.RawMessage) error
	OutboxStats(ctx context.Context, destination string) (storage.OutboxStats, error)
}

// Store is everything the sender reads and writes; *storage.DB is one.
type Store interface {
	Queue
	Lookup
	SettingsStore
	ConfigStore
	// For phone ratings (ProcessQR): finding one stored before a crash.
	TransactionBySerial(ctx context.Context, serial string) (app.Transaction, error)
	EvaluationsFor(ctx context.Context, txIDs []int64) ([]app.Evaluation, error)
}

// Settings keys the sender keeps for the status shown by other processes.
const (
	keyLastSuccess = settingsPrefix + "last_success"
	keyLastError   = settingsPrefix + "last_error"
)

// Sender drains the outbox to the county platform. Drain is one pass; Run
// drains periodically and at once on SendNow. Safe for concurrent use: one
// drain runs at a time.
type Sender struct {
	Store       Store
	Settings    Settings
	Signer      Signer // default HMACSigner from Settings
	Client      *http.Client
	Destination string // outbox destination (default storage.DefaultDestination)
	Now         func() time.Time
	Log         *slog.Logger
	// Rater stores the phone (QR) ratings that come with the configuration;
	// nil leaves them for a process that has the rating service.
	Rater QRRater

	// Retry of one batch within a drain: up to MaxAttempts requests, waiting
	// BackoffBase·2ⁿ (capped at BackoffMax) with jitter in between.
	MaxAttempts int
	BackoffBase time.Duration
	BackoffMax  time.Duration

	drainMu sync.Mutex
	trigger outbox.Kicker
	once    sync.Once

	mu          sync.Mutex
	lastSuccess time.Time
	lastAttempt time.Time
	lastError   string
	sending     bool
}

// NewSender makes a sender with the defaults for st and s.
func NewSender(st Store, s Settings) *Sender {
	return &Sender{Store: st, Settings: s}
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.trigger = outbox.NewKicker()
		if s.Signer == nil {
			s.Signer = HMACSigner{AppKey: s.Settings.AppKey, Secret: []byte(s.Settings.Secret)}
		}
		if s.Client == nil {
			s.Client = &http.Client{Timeout: 30 * time.Second}
		}
		if s.Destination == "" {
			s.Destination = storage.DefaultDestination
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = 6
		}
		if s.BackoffBase <= 0 {
			s.BackoffBase = time.Second
		}
		if s.BackoffMax <= 0 {
			s.BackoffMax = time.Minute
		}
		if s.Settings.Batch <= 0 {
			s.Settings.Batch = DefaultSettings().Batch
		}
		if s.Settings.Interval <= 0 {
			s.Settings.Interval = DefaultSettings().Interval
		}
	})
}

// DrainResult counts what one drain did.
type DrainResult struct {
	Sent       int // accepted
	Duplicates int // already held by the county: marked sent too
	Rejected   int // by the county or by validation before sending
	Batches    int
	Requests   int // including retries
}

// UploadError is a failed drain with the Chinese message for the UI.
type UploadError struct {
	Msg       string // Chinese: what happened and what happens next
	Err       error
	Retryable bool
}

func (e *UploadError) Error() string { return e.Msg + ": " + e.Err.Error() }
func (e *UploadError) Unwrap() error { return e.Err }

// ErrNotConfigured means no county URL, key or secret is set.
var ErrNotConfigured = errors.New("county upload is not configured")

// Drain sends every pending record, batch after batch, until the queue is
// empty or a batch fails after its retries. Rows are marked sent only for
// results "accepted" or "duplicate" in a well-formed response.
func (s *Sender) Drain(ctx context.Context) (DrainResult, error) {
	s.init()
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	s.setSending(true)
	defer s.setSending(false)
	res, err := s.drain(ctx)
	now := s.Now()
	s.mu.Lock()
	s.lastAttempt = now
	if err == nil {
		s.lastSuccess, s.lastError = now, ""
	} else {
		s.lastError = zhError(err)
	}
	msg := s.lastError
	s.mu.Unlock()
	kv := map[string]string{keyLastError: msg}
	if err == nil {
		kv[keyLastSuccess] = now.Format(time.RFC3339)
	}
	if perr := s.Store.SaveSettings(context.WithoutCancel(ctx), kv); perr != nil {
		s.Log.Warn("unable to keep the upload status", "err", perr)
	}
	return res, err
}

func (s *Sender) drain(ctx context.Context) (DrainResult, error) {
	var res DrainResult
	if !s.Settings.Configured() {
		return res, &UploadError{Msg: "尚未设置县级平台地址和应用密钥，记录保存在本机待上传", Err: ErrNotConfigured}
	}
	m, err := NewMapper(ctx, s.Store, s.Settings)
	if err != nil {
		return res, &UploadError{Msg: "读取本机数据失败，稍后重试", Err: err, Retryable: true}
	}
	// While one batch is with the county, the next is read, mapped and
	// encoded (rows after the last one in flight), so the two sides work at
	// once. It is sent only after the county answered the one before, so
	// service records still arrive before their evaluations, and it is
	// dropped unsent when that one fails.
	next := s.prepare(ctx, m, 0)
	// The rows of the batch before are marked (sent, duplicate, rejected)
	// while this one is with the county; settle waits for that marking.
	var marking <-chan marked
	settle := func() error {
		if marking == nil {
			return nil
		}
		mk := <-marking
		marking = nil
		res.Sent += mk.sent
		res.Duplicates += mk.dup
		res.Rejected += mk.rejected
		return mk.err
	}
	for {
		cur := <-next
		res.Rejected += cur.localRejected
		if cur.err != nil || cur.last == 0 { // a failure, or the queue is empty
			if err := settle(); err != nil {
				return res, err
			}
			return res, cur.err
		}
		next = s.prepare(ctx, m, cur.last)
		if len(cur.ids) == 0 {
			continue // every row failed validation
		}
		results, n, err := s.postWithRetry(ctx, cur.body, cur.byID)
		res.Requests += n
		if err != nil {
			if merr := s.Store.MarkOutboxFailed(context.WithoutCancel(ctx), cur.ids, zhError(err)); merr != nil {
				s.Log.Warn("unable to count the failed attempt", "err", merr)
			}
			<-next // the next batch is not sent; its preparation has finished
			if serr := settle(); serr != nil {
				s.Log.Warn("unable to mark the batch before", "err", serr)
			}
			return res, err
		}
		res.Batches++
		serr := settle()
		marking = s.mark(ctx, results, cur.byID)
		if missing := len(cur.byID) - distinctIDs(results); serr != nil || missing > 0 {
			if err := settle(); serr == nil {
				serr = err
			}
			if serr == nil {
				serr = &UploadError{Msg: fmt.Sprintf("县级平台的应答缺少 %d 条记录的结果，这些记录稍后重新上传", missing),
					Err: fmt.Errorf("%d records without a result", missing), Retryable: true}
			}
			<-next
			return res, serr
		}
	}
}

// marked is the outcome of marking one batch's rows.
type marked struct {
	sent, dup, rejected int
	err                 error
}

// mark applies the county's results to the batch's rows on another goroutine.
func (s *Sender) mark(ctx context.Context, results []Result, byID map[string]int64) <-chan marked {
	out := make(chan marked, 1)
	go func() {
		var mk marked
		mk.sent, mk.dup, mk.rejected, _, mk.err = s.apply(ctx, results, byID)
		out <- mk
	}()
	return out
}

func distinctIDs(results []Result) int {
	seen := make(map[string]bool, len(results))
	for _, r := range results {
		seen[r.ID] = true
	}
	return len(seen)
}

// prepared is one batch ready to post.
type prepared struct {
	last          int64 // id of the last outbox row read; 0 when none was left
	ids           []int64
	byID          map[string]int64 // record id → outbox row
	body          []byte
	localRejected int // rows that failed validation, already moved to the manager's list
	err           error
}

// prepare reads, maps and encodes the next batch of rows after row id
// `after` on another goroutine. Rows that fail validation go to the
// manager's list at once. The Mapper is used by one prepare at a time.
func (s *Sender) prepare(ctx context.Context, m *Mapper, after int64) <-chan prepared {
	out := make(chan prepared, 1)
	go func() {
		p := prepared{}
		defer func() { out <- p }()
		rows, err := s.Store.PendingOutboxAfter(ctx, s.Destination, after, s.Settings.Batch)
		if err != nil {
			p.err = &UploadError{Msg: "读取待上传记录失败，稍后重试", Err: err, Retryable: true}
			return
		}
		if len(rows) == 0 {
			return
		}
		p.last = rows[len(rows)-1].ID
		recs := make([]Record, 0, len(rows))
		p.ids = make([]int64, 0, len(rows))
		p.byID = make(map[string]int64, len(rows))
		var rej []storage.Rejection
		for _, row := range rows {
			rec, err := m.Map(ctx, row)
			var inv *InvalidError
			if errors.As(err, &inv) {
				rej = append(rej, storage.Rejection{ID: row.ID, Reason: "本机校验未通过：" + inv.Reason})
				continue
			}
			if err != nil {
				p.err = &UploadError{Msg: "读取本机数据失败，稍后重试", Err: err, Retryable: true}
				return
			}
			recs = append(recs, rec)
			p.ids = append(p.ids, row.ID)
			p.byID[rec.ID] = row.ID
		}
		if len(rej) > 0 {
			if err := s.Store.RejectOutbox(ctx, rej, s.Now()); err != nil {
				p.err = &UploadError{Msg: "记录退回状态保存失败，稍后重试", Err: err, Retryable: true}
				return
			}
			p.localRejected = len(rej)
			s.Log.Warn("records failed validation before sending", "count", len(rej), "first", rej[0].Reason)
		}
		if len(recs) == 0 {
			return
		}
		p.body, err = json.Marshal(Batch{Centre: m.AreaCode(), BatchID: NewUUID(), Records: recs})
		if err != nil {
			p.err = &UploadError{Msg: "记录编码失败", Err: err}
		}
	}()
	return out
}

// apply marks the rows by the county's results. The results were checked
// (checkResponse) before anything is written.
func (s *Sender) apply(ctx context.Context, results []Result, byID map[string]int64) (sent, dup, rejected, missing int, err error) {
	var ok []int64
	var rej []storage.Rejection
	seen := map[string]bool{}
	for _, r := range results {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		switch r.Status {
		case StatusAccepted:
			sent++
			ok = append(ok, byID[r.ID])
		case StatusDuplicate:
			dup++
			ok = append(ok, byID[r.ID])
		case StatusRejected:
			rejected++
			reason := strings.TrimSpace(r.Reason)
			if reason == "" {
				reason = "县级平台退回，未说明原因"
			}
			rej = append(rej, storage.Rejection{ID: byID[r.ID], Reason: "县级平台退回：" + reason})
		}
	}
	missing = len(byID) - len(seen)
	now := s.Now()
	if len(ok) > 0 {
		if err := s.Store.MarkOutboxSent(ctx, ok, now); err != nil {
			return 0, 0, 0, 0, &UploadError{Msg: "上传成功但本机标记失败，稍后重传（县级平台会识别重复）", Err: err, Retryable: true}
		}
	}
	if len(rej) > 0 {
		if err := s.Store.RejectOutbox(ctx, rej, now); err != nil {
			return sent, dup, 0, 0, &UploadError{Msg: "记录退回状态保存失败，稍后重试", Err: err, Retryable: true}
		}
	}
	return sent, dup, rejected, missing, nil
}

// postWithRetry posts the batch, retrying retryable failures with capped
// exponential backoff and jitter. The same body (same record ids) is sent
// each time. It returns the checked results and the number of requests.
func (s *Sender) postWithRetry(ctx context.Context, body []byte, batch map[string]int64) ([]Result, int, error) {
	var last error
	for attempt := 1; attempt <= s.MaxAttempts; attempt++ {
		results, err := s.post(ctx, body, batch)
		if err == nil {
			return results, attempt, nil
		}
		last = err
		var ue *UploadError
		if errors.As(err, &ue) && !ue.Retryable {
			return nil, attempt, err
		}
		s.Log.Info("county upload attempt failed", "attempt", attempt, "err", err)
		if attempt == s.MaxAttempts {
			return nil, attempt, err
		}
		if err := sleep(ctx, (outbox.Backoff{Base: s.BackoffBase, Max: s.BackoffMax}).After(attempt)); err != nil {
			return nil, attempt, &UploadError{Msg: "上传已停止", Err: err}
		}
	}
	return nil, s.MaxAttempts, last
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// post sends one request and checks the response against the batch's
// record ids.
func (s *Sender) post(ctx context.Context, body []byte, batch map[string]int64) ([]Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.Settings.URL, "/")+"/api/v1/records",
		bytes.NewReader(body))
	if err != nil {
		return nil, &UploadError{Msg: "县级平台地址无效，请检查设置", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if err := s.Signer.Sign(req.Header, body, s.Now()); err != nil {
		return nil, &UploadError{Msg: "无法签名上传数据，请检查应用密钥设置", Err: err}
	}
	resp, rb, err := s.exchange(ctx, req, 64<<20)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
		return nil, &UploadError{Msg: fmt.Sprintf("县级平台暂时不可用（HTTP %d），将自动重试", resp.StatusCode),
			Err: fmt.Errorf("HTTP %s", resp.Status), Retryable: true}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &UploadError{Msg: "县级平台拒绝了签名，请检查应用标识（AppKey）和密钥是否与县里下发的一致",
			Err: fmt.Errorf("HTTP %s: %s", resp.Status, clip(rb))}
	case resp.StatusCode != http.StatusOK:
		return nil, &UploadError{Msg: fmt.Sprintf("县级平台拒收整批记录（HTTP %d），请联系县级平台管理员", resp.StatusCode),
			Err: fmt.Errorf("HTTP %s: %s", resp.Status, clip(rb))}
	}
	return checkResponse(rb, batch)
}

// exchange sends a signed request and reads the answer, up to limit bytes,
// verifying its signature (Signer.VerifyAnswer) before anything else looks
// at it: an answer that cannot be verified is a failed request, so a fake
// county at the configured address can neither mark records sent nor push
// a configuration down.
func (s *Sender) exchange(ctx context.Context, req *http.Request, limit int64) (*http.Response, []byte, error) {
	if err := s.Settings.TransportAllowed(); err != nil {
		return nil, nil, &UploadError{Msg: app.UserMessage(err), Err: err}
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, nil, netError(ctx, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, netError(ctx, err)
	}
	if err := s.Signer.VerifyAnswer(req.Header, resp.Header, rb); err != nil {
		s.Log.Warn("county answer not verified; nothing in it is used", "method", req.Method, "url", req.URL.Redacted(),
			"status", resp.StatusCode, "err", err, "body", clip(rb))
		return nil, nil, &UploadError{Msg: MsgAnswerUnverified, Err: fmt.Errorf("HTTP %d: %w", resp.StatusCode, err),
			// A proxy's 502 is unsigned too: try again within the drain.
			Retryable: resp.StatusCode >= 500}
	}
	return resp, rb, nil
}

// MsgAnswerUnverified is the status when the county's answer failed its signature check.
const MsgAnswerUnverified = "县级平台的应答无法核验（签名缺失或不符），未采用：记录未标记为已上传，配置未更新。" +
	"请核对应用密钥是否与县里下发的一致；若密钥无误，可能连接到了假冒的平台，请联系县级平台管理员"

// checkResponse parses and checks the county's answer against the batch
// (record id → outbox row): every result names a record of the batch with a
// known status. Anything else is an unexpected response and nothing is marked.
func checkResponse(rb []byte, batch map[string]int64) ([]Result, error) {
	bad := func(err error) error {
		return &UploadError{Msg: "县级平台的应答无法识别，记录未标记为已上传，将自动重试", Err: err, Retryable: true}
	}
	var resp Response
	dec := json.NewDecoder(bytes.NewReader(rb))
	if err := dec.Decode(&resp); err != nil {
		return nil, bad(fmt.Errorf("corrupt response: %w", err))
	}
	if dec.More() {
		return nil, bad(errors.New("trailing data after the response"))
	}
	for _, r := range resp.Results {
		if _, ok := batch[r.ID]; !ok {
			return nil, bad(fmt.Errorf("result for a record not in the batch: %q", r.ID))
		}
		switch r.Status {
		case StatusAccepted, StatusDuplicate, StatusRejected:
		default:
			return nil, bad(fmt.Errorf("unknown status %q for %s", r.Status, r.ID))
		}
	}
	return resp.Results, nil
}

func clip(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

func netError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &UploadError{Msg: "上传已停止", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &UploadError{Msg: "连接县级平台超时，将自动重试", Err: err, Retryable: true}
	}
	return &UploadError{Msg: "无法连接县级平台（网络不通或平台未开启），记录保存在本机，将自动重试", Err: err, Retryable: true}
}

// zhError is the Chinese line for a drain error.
func zhError(err error) string {
	var ue *UploadError
	if errors.As(err, &ue) {
		return ue.Msg
	}
	return "上传失败：" + err.Error()
}

// Start runs the upload to the county in the background when its address
// and keys are saved (`bianmin sync`, 县级上传): every interval, at once on
// SendNow, until ctx ends or stop is called. A centre not set up yet gets
// a nil Sender and nothing runs. The hub's window and `bianmin serve` both
// start it here, so a closet hub uploads as a hub with a window does.
func Start(ctx context.Context, st Store, rater QRRater, log *slog.Logger) (snd *Sender, stop func(), err error) {
	set, err := LoadSettings(ctx, st)
	if err != nil || !set.Configured() {
		return nil, func() {}, err
	}
	snd = NewSender(st, set)
	snd.Rater = rater // QR ratings made on phones come down with the county's configuration
	if log != nil {
		snd.Log = log
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := snd.Run(sctx); err != nil && !errors.Is(err, context.Canceled) && log != nil {
			log.Warn("county upload stopped", "err", err)
		}
	}()
	return snd, func() { cancel(); <-done }, nil
}

// SendNow asks Run to drain at once (the manager's "立即上传", or the link
// coming back). It never blocks.
func (s *Sender) SendNow() {
	s.init()
	s.trigger.Kick()
}

// Run drains at once, then every Settings.Interval and on SendNow, until ctx
// ends; after each good drain it pulls the county's configuration (PullConfig). After a failed drain it tries again sooner (backoff capped at the
// interval), so the backlog goes as soon as the link is back.
func (s *Sender) Run(ctx context.Context) error {
	s.init()
	retry := outbox.Backoff{Base: s.BackoffBase, Max: s.BackoffMax}
	return outbox.Loop{
		Kick:     s.trigger,
		Interval: s.Settings.Interval,
		// A drain already retried each batch MaxAttempts times: the next
		// one starts at the backoff of the third failure.
		Retry: func(failures int) time.Duration { return retry.After(failures + 2) },
		Drain: func(ctx context.Context) error {
			res, err := s.Drain(ctx)
			if err != nil {
				return err
			}
			if res.Sent+res.Duplicates+res.Rejected > 0 {
				s.Log.Info("county upload", "sent", res.Sent, "duplicates", res.Duplicates, "rejected", res.Rejected)
			}
			// The link works: take what the county pushes down too. A
			// refused configuration is in the status; the old one stays.
			if pr, err := s.PullConfig(ctx); err != nil {
				s.Log.Warn("county configuration not applied", "err", err)
			} else if pr.Applied || pr.QR.Stored+pr.QR.Refused > 0 {
				s.Log.Info("county configuration", "version", pr.Offered, "applied", pr.Applied,
					"qr_stored", pr.QR.Stored, "qr_refused", pr.QR.Refused)
			}
			return nil
		},
		Failed: func(err error, next time.Duration) {
			s.Log.Warn("county upload failed", "err", err, "retry_in", next)
		},
	}.Run(ctx)
}

func (s *Sender) setSending(v bool) {
	s.mu.Lock()
	s.sending = v
	s.mu.Unlock()
}

// Status is what the UI shows about the upload.
type Status struct {
	Configured     bool
	Sending        bool
	LastSuccess    time.Time // zero: never
	Backlog        int       // records waiting
	Rejected       int       // records in the manager's list
	OldestUnsent   time.Time
	OldestAge      time.Duration
	BacklogWarning bool   // the oldest waiting record is older than Settings.BacklogWarn
	LastError      string // Chinese; empty after a success
	Config         ConfigStatus
	QRRefused      int  // phone ratings not stored, in the manager's list
	PlainHTTP      bool // the county link is http on the network, as the manager allowed
}

// Status reads the queue and the last outcome (this process's, or the one a
// previous run kept in the settings).
func (s *Sender) Status(ctx context.Context) (Status, error) {
	s.init()
	st, err := s.Store.OutboxStats(ctx, s.Destination)
	if err != nil {
		return Status{}, err
	}
	out := Status{Configured: s.Settings.Configured(), Backlog: st.Pending, Rejected: st.Rejected, OldestUnsent: st.OldestUnsent,
		PlainHTTP: s.Settings.AllowHTTP && s.Settings.PlainHTTP()}
	s.mu.Lock()
	out.Sending, out.LastSuccess, out.LastError = s.sending, s.lastSuccess, s.lastError
	attempted := !s.lastAttempt.IsZero()
	s.mu.Unlock()
	if !attempted {
		kv, err := s.Store.Settings(ctx, settingsPrefix+"last_")
		if err != nil {
			return Status{}, err
		}
		if t, err := time.Parse(time.RFC3339, kv[keyLastSuccess]); err == nil {
			out.LastSuccess = t.In(app.ChinaTime)
		}
		out.LastError = kv[keyLastError]
	}
	kv, err := s.Store.Settings(ctx, settingsPrefix+"config.")
	if err != nil {
		return Status{}, err
	}
	out.Config = configStatus(kv)
	qr, err := s.Store.Settings(ctx, keyQRRefused)
	if err != nil {
		return Status{}, err
	}
	out.QRRefused = len(qr)
	if !out.OldestUnsent.IsZero() {
		out.OldestAge = s.Now().Sub(out.OldestUnsent)
		out.BacklogWarning = s.Settings.BacklogWarn > 0 && out.OldestAge > s.Settings.BacklogWarn
	}
	if !out.Configured && out.LastError == "" {
		out.LastError = "尚未设置县级平台地址和应用密钥，记录保存在本机待上传"
	}
	return out, nil
}

// Lines is the status as Chinese lines for the CLI and the manager's screen.
func (st Status) Lines() []string {
	last := "从未成功上传"
	if !st.LastSuccess.IsZero() {
		last = st.LastSuccess.In(app.ChinaTime).Format("2006-01-02 15:04:05")
	}
	lines := []string{
		"最近一次成功上传：" + last,
		fmt.Sprintf("待上传记录：%d 条", st.Backlog),
	}
	if st.Backlog > 0 {
		lines = append(lines, "最早一条待上传记录已等待："+zhDuration(st.OldestAge))
	}
	lines = append(lines, fmt.Sprintf("被退回待处理：%d 条", st.Rejected))
	if st.BacklogWarning {
		lines = append(lines, "警告：有记录长时间未能上传，请检查与县级平台的网络连接")
	}
	if st.PlainHTTP {
		lines = append(lines, "注意：与县级平台的连接未加密（http），是按负责人的设置允许的；县里提供 https 后请改用 https 地址")
	}
	if st.LastError != "" {
		lines = append(lines, "最近的错误："+st.LastError)
	}
	if c := st.Config; c.Version == "" {
		lines = append(lines, "县级下发配置：尚未收到")
	} else {
		lines = append(lines, fmt.Sprintf("县级下发配置：版本 %s（%s 启用）", c.Version, c.AppliedAt.Format("2006-01-02 15:04")))
	}
	if st.Config.Error != "" {
		lines = append(lines, st.Config.Error)
	}
	if u := st.Config.Update; u != nil {
		lines = append(lines, "县级平台提供新版本："+u.Version)
	}
	if st.QRRefused > 0 {
		lines = append(lines, fmt.Sprintf("未能入账的扫码评价：%d 条，请查看列表", st.QRRefused))
	}
	return lines
}

func zhDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%d天%d小时", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%d小时%d分钟", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("%d分钟", int(d/time.Minute))
	}
}

// RejectedRecord is one entry of the manager's list.
type RejectedRecord struct {
	OutboxID   int64
	Kind       string // transaction / evaluation / workorder
	RecordUID  string
	Reason     string // Chinese
	RejectedAt time.Time
	Payload    json.RawMessage
}

// Rejected lists the records waiting for the manager, oldest first.
func (s *Sender) Rejected(ctx context.Context, limit int) ([]RejectedRecord, error) {
	s.init()
	rows, err := s.Store.RejectedOutbox(ctx, s.Destination, limit)
	if err != nil {
		return nil, err
	}
	out := make([]RejectedRecord, len(rows))
	for i, r := range rows {
		out[i] = RejectedRecord{OutboxID: r.ID, Kind: r.Kind, RecordUID: r.RecordUID, Reason: r.RejectReason,
			RejectedAt: r.RejectedAt, Payload: r.Payload}
	}
	return out, nil
}

// Requeue puts a rejected record back in the queue; a non-nil payload is the
// corrected record (the same JSON shape as the stored one). It goes with the
// next drain, under its old record id.
func (s *Sender) Requeue(ctx context.Context, outboxID int64, corrected json.RawMessage) error {
	s.init()
	return s.Store.RequeueOutbox(ctx, outboxID, corrected)
}
