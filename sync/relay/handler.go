// Package relay carries a counter's records to the centre's hub and the
// hub's configuration back (ARCHITECTURE.md: one outbox mechanism, counter →
// hub and hub → county).
//
// Hub side: Handler serves GET …/config (the centre's configuration with the
// hub's IDs, storage.ConfigSnapshot) and POST …/records (a batch of counter
// outbox rows, taken in by storage.ImportRecords, idempotent by UID). It is
// mounted behind the LAN API's authentication (lan.Server.Mount) at
// /api/v1/relay/, and serves only counters (and the hub's own callers, which
// lan.Peer.All marks): a counter gets the PIN hashes of the staff posted at
// its window only, and may send only its own window's records.
//
// Counter side: Forwarder drains the counter's outbox to the hub in order,
// in batches, with capped exponential backoff and jitter, kicked after every
// local write, and refreshes the configuration on each (re)connect. Rows are
// marked sent only after the hub answered for them; a row the hub rejects
// goes to the counter's rejected list with the hub's reason and never holds
// up the rows behind it.
package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/sync/lan"
)

// MaxBatch is the most records the hub takes in one request.
const MaxBatch = 1000

// MaxBody is the largest request body the hub reads: a full batch of the
// largest records a counter writes is well under it (a stored rating or
// transaction is below 2 KB as JSON). A bigger body is refused before it is
// read, so a key holder cannot make the hub hold gigabytes.
const MaxBody = 4 << 20

// MaxImports is how many requests the hub takes in at once; more wait for
// nothing and are told to come back (503 with Retry-After), which the
// forwarder treats like any other temporary failure.
const MaxImports = 2

// RecordsRequest is the body of POST …/records.
type RecordsRequest struct {
	Node    string                `json:"node"` // the counter's serial prefix, for the log
	Records []storage.RelayRecord `json:"records"`
}

// RecordsResponse answers it: one result per record, in the same order.
type RecordsResponse struct {
	Results []storage.ImportResult `json:"results"`
}

// errorBody is every error answer: a stable code and a Chinese message.
type errorBody struct {
	Code app.Code `json:"code"`
	Msg  string   `json:"msg"`
}

// Handler is the hub's end of the relay. Safe for concurrent use.
type Handler struct {
	DB  *storage.DB
	Log *slog.Logger

	mu  sync.Mutex
	svc *app.Service // whose rules forwarded ratings meet
	// slots holds one token per import running (MaxImports).
	slots chan struct{}
}

// NewHandler serves /config and /records for the hub's database. Forwarded
// ratings meet the rules of the centre's built-in profile and calendar;
// ForService gives the hub's own service instead (county overrides).
func NewHandler(db *storage.DB, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{DB: db, Log: log, slots: make(chan struct{}, MaxImports)}
}

// UseService makes forwarded ratings meet svc's rules (profile with county
// overrides, holiday calendar, clock) and get their work orders from it.
func (h *Handler) UseService(svc *app.Service) {
	h.mu.Lock()
	h.svc = svc
	h.mu.Unlock()
}

func (h *Handler) rules(r *http.Request) (storage.ImportRules, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.svc == nil {
		c, err := h.DB.Centre(r.Context())
		if err != nil {
			return storage.ImportRules{}, err
		}
		p, err := app.LoadProfile(c.Profile, "")
		if err != nil {
			return storage.ImportRules{}, err
		}
		h.svc = app.NewService(h.DB, app.SystemClock{}, p, app.NewCalendar(), h.Log)
	}
	return storage.ImportRules{Vet: h.svc.VetRelayed, Orders: h.svc.OrderFor}, nil
}

// ServeHTTP routes on the last path element, so the handler works mounted
// under any prefix (the LAN server passes the full path).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	peer, ok := lan.PeerFrom(r.Context())
	if !ok || !(peer.All || peer.Role() == app.PCCounter) {
		h.fail(w, http.StatusForbidden, app.CodeForbidden, "只有窗口电脑可以与中心主机交换办件记录和配置",
			fmt.Errorf("%s (pc %d %q, role %q) asked for %s", r.RemoteAddr, peer.PC.ID, peer.PC.Name, peer.PC.Role, r.URL.Path))
		return
	}
	switch p := strings.TrimRight(r.URL.Path, "/"); {
	case strings.HasSuffix(p, "/config") || p == "config":
		if r.Method != http.MethodGet {
			h.fail(w, http.StatusMethodNotAllowed, "method", "请求方法不正确", nil)
			return
		}
		h.config(w, r, peer)
	case strings.HasSuffix(p, "/records") || p == "records":
		if r.Method != http.MethodPost {
			h.fail(w, http.StatusMethodNotAllowed, "method", "请求方法不正确", nil)
			return
		}
		h.records(w, r, peer)
	case strings.HasSuffix(p, "/case") || p == "case":
		if r.Method != http.MethodGet {
			h.fail(w, http.StatusMethodNotAllowed, "method", "请求方法不正确", nil)
			return
		}
		h.caseRecords(w, r)
	default:
		h.fail(w, http.StatusNotFound, "not_found", "中心主机不支持此请求，请确认窗口程序与中心主机的版本一致", nil)
	}
}

func (h *Handler) config(w http.ResponseWriter, r *http.Request, peer lan.Peer) {
	c, err := h.DB.ExportConfig(r.Context())
	if err == nil && !peer.All {
		c = forWindow(c, peer.PC.WindowID)
	}
	if errors.Is(err, app.ErrNotFound) {
		h.fail(w, http.StatusServiceUnavailable, "not_initialised", "中心主机尚未完成初始化设置", err)
		return
	}
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "config", "中心主机读取配置失败，稍后重试", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// CaseResponse answers GET …/case?serial=: the case's records.
type CaseResponse struct {
	Records []storage.RelayRecord `json:"records"`
}

// caseRecords gives a counter the case it was asked for by 流水号, from any
// window: the applicant comes back wherever there is a free window.
func (h *Handler) caseRecords(w http.ResponseWriter, r *http.Request) {
	serial := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("serial")))
	if serial == "" || len(serial) > 32 {
		h.fail(w, http.StatusBadRequest, "bad_serial", "流水号无效", nil)
		return
	}
	recs, err := h.DB.CaseRecords(r.Context(), serial)
	if errors.Is(err, app.ErrNotFound) {
		h.fail(w, http.StatusNotFound, app.CodeUnknownTransaction, "中心主机上也没有办件 "+serial+"，请核对流水号", err)
		return
	}
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "case", "中心主机读取办件失败，稍后重试", err)
		return
	}
	writeJSON(w, http.StatusOK, CaseResponse{Records: recs})
}

func (h *Handler) records(w http.ResponseWriter, r *http.Request, peer lan.Peer) {
	if r.ContentLength > MaxBody {
		h.fail(w, http.StatusRequestEntityTooLarge, "body_too_large", tooLarge,
			fmt.Errorf("body of %d bytes from %s", r.ContentLength, r.RemoteAddr))
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		w.Header().Set("Retry-After", "5")
		h.fail(w, http.StatusServiceUnavailable, "busy", "中心主机正忙，稍后自动重试",
			fmt.Errorf("%d imports already running, refused %s", MaxImports, r.RemoteAddr))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.fail(w, http.StatusRequestEntityTooLarge, "body_too_large", tooLarge,
			fmt.Errorf("body over %d bytes from %s", tooBig.Limit, r.RemoteAddr))
		return
	}
	if err != nil {
		h.fail(w, http.StatusBadRequest, "bad_body", "上传数据不完整，将自动重试", err)
		return
	}
	var req RecordsRequest
	if err := json.Unmarshal(body, &req); err != nil {
		h.fail(w, http.StatusBadRequest, "bad_body", "上传数据无法解析，请确认窗口程序与中心主机的版本一致", err)
		return
	}
	if len(req.Records) > MaxBatch {
		h.fail(w, http.StatusRequestEntityTooLarge, "batch_too_large",
			fmt.Sprintf("每批最多%d条记录", MaxBatch), nil)
		return
	}
	rules, err := h.rules(r)
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "rules", "中心主机读取评价规则失败，稍后重试", err)
		return
	}
	if !peer.All {
		rules.Window = peer.PC.WindowID
	}
	results, err := h.DB.ImportRecords(r.Context(), req.Records, rules)
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "import", "中心主机保存记录失败，将自动重试", err)
		return
	}
	var acc, dup, rej int
	for _, res := range results {
		switch res.Status {
		case storage.ImportAccepted:
			acc++
		case storage.ImportDuplicate:
			dup++
		default:
			rej++
		}
	}
	h.Log.Info("relay records", "node", req.Node, "from", r.RemoteAddr, "accepted", acc, "duplicates", dup, "rejected", rej)
	for _, res := range results {
		if res.Status == storage.ImportRejected {
			h.Log.Warn("relay record refused", "node", req.Node, "from", r.RemoteAddr, "uid", res.UID, "reason", res.Reason)
		}
	}
	writeJSON(w, http.StatusOK, RecordsResponse{Results: results})
}

// forWindow is the configuration as the counter at window sees it: every
// staff member's name (receipts and lists name them), but the PIN hash only
// of those posted at that window (AB岗), who may sign in there while the
// hub is away. Nobody else's PIN can be cracked from a counter's copy.
func forWindow(c storage.ConfigSnapshot, window int64) storage.ConfigSnapshot {
	posted := map[int64]bool{}
	for _, p := range c.Posts {
		if p.WindowID == window {
			posted[p.StaffID] = true
		}
	}
	staff := make([]app.Staff, len(c.Staff))
	for i, s := range c.Staff {
		if !posted[s.ID] {
			s.PINHash = ""
		}
		staff[i] = s
	}
	c.Staff = staff
	return c
}

// tooLarge tells the counter's clerk (via the rejected list and log) what
// happened; the forwarder sends smaller batches.
const tooLarge = "上传数据过大，中心主机未接收"

func (h *Handler) fail(w http.ResponseWriter, status int, code app.Code, msg string, err error) {
	if status >= 500 {
		h.Log.Error("relay request failed", "code", code, "err", err)
	} else {
		h.Log.Warn("relay request refused", "code", code, "err", err)
	}
	writeJSON(w, status, errorBody{Code: code, Msg: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ForService is NewHandler whose forwarded bad reviews get their work orders
// from svc's rules: the centre's profile with the county's overrides and
// the holiday calendar, as the hub's own ratings do.
func ForService(db *storage.DB, svc *app.Service, log *slog.Logger) *Handler {
	h := NewHandler(db, log)
	h.UseService(svc)
	return h
}
