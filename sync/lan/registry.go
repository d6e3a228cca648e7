package lan

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
)

// PCStore keeps the enrolled PCs (storage.DB).
type PCStore interface {
	AddPC(ctx context.Context, p app.PC, tokenHash string, audit app.AuditEntry) (app.PC, error)
	EnrollPC(ctx context.Context, tokenHash, secretHash, host string) (app.PC, error)
	PCCredential(ctx context.Context, id int64) (app.PC, string, error)
	PCs(ctx context.Context) ([]app.PC, error)
	RevokePC(ctx context.Context, id int64, audit app.AuditEntry) error
	Windows(ctx context.Context) ([]app.Window, error)
}

// JoinValid is how long a join code works: a day to walk to the PC.
const JoinValid = 24 * time.Hour

const tokenLen = 16 // characters of keyAlphabet: about 79 bits, used once

// keyAlphabet has no 0/O, 1/I/L: a join code may be copied by hand from the
// hub's screen.
const keyAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// Registry is the hub's list of PCs: the manager adds one (getting its join
// code) and revokes it; the PC enrolls with the code and then authenticates
// every request with the credential it got. It is the hub's Authenticator.
type Registry struct {
	Store PCStore
	Clock app.Clock
	Log   *slog.Logger
	// Pin is the pin of the hub's certificate, put in join codes.
	Pin string
}

// NewRegistry is the registry of the PCs in st, for the hub whose
// certificate has pin.
func NewRegistry(st PCStore, pin string, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.Default()
	}
	return &Registry{Store: st, Clock: app.SystemClock{}, Log: log, Pin: pin}
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func newToken() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() < tokenLen {
		rand.Read(buf)
		if int(buf[0]) >= 256/len(keyAlphabet)*len(keyAlphabet) {
			continue
		}
		b.WriteByte(keyAlphabet[int(buf[0])%len(keyAlphabet)])
	}
	return b.String()
}

func actorDesc(actor *app.Staff) (int64, string) {
	if actor == nil {
		return 0, "命令行"
	}
	return actor.ID, actor.No + " " + actor.Name
}

func checkActor(actor *app.Staff) error {
	// nil: the command line on the hub itself, run by whoever holds the
	// database file (which holds everything anyway).
	if actor != nil && actor.Role != app.RoleManager {
		return &app.UserError{Code: app.CodeForbidden, Msg: "只有中心负责人可以添加或撤销局域网电脑", Err: app.ErrForbidden}
	}
	return nil
}

// Add records a new PC with role (a counter at window number windowNo) and
// returns its join code for addr (host:port of this hub), valid JoinValid.
func (r *Registry) Add(ctx context.Context, actor *app.Staff, role app.PCRole, windowNo int, name, addr string) (app.PC, JoinCode, error) {
	if err := checkActor(actor); err != nil {
		return app.PC{}, JoinCode{}, err
	}
	if !role.Valid() {
		return app.PC{}, JoinCode{}, &app.UserError{Code: "bad_role", Msg: "电脑的角色只能是窗口电脑、取号机或大厅屏"}
	}
	p := app.PC{Role: role, Name: strings.TrimSpace(name)}
	if role == app.PCCounter {
		ws, err := r.Store.Windows(ctx)
		if err != nil {
			return app.PC{}, JoinCode{}, err
		}
		for _, w := range ws {
			if w.Number == windowNo && w.Active {
				p.WindowID = w.ID
			}
		}
		if p.WindowID == 0 {
			return app.PC{}, JoinCode{}, &app.UserError{Code: "unknown_window",
				Msg: fmt.Sprintf("没有启用中的 %d 号窗口，请先在中心设置中添加窗口", windowNo)}
		}
		if p.Name == "" {
			p.Name = fmt.Sprintf("%d号窗口电脑", windowNo)
		}
	}
	if p.Name == "" {
		p.Name = role.Name()
	}
	token := newToken()
	p.TokenExpires = r.Clock.Now().Add(JoinValid)
	id, who := actorDesc(actor)
	p, err := r.Store.AddPC(ctx, p, hashHex(token), app.AuditEntry{At: r.Clock.Now(), StaffID: id, Action: "pc_added",
		Detail: fmt.Sprintf("%s 添加 %s（%s）", who, p.Name, role.Name())})
	if err != nil {
		return app.PC{}, JoinCode{}, err
	}
	r.Log.Info("PC added", "id", p.ID, "name", p.Name, "role", role, "window", p.WindowID, "by", who)
	return p, JoinCode{Addr: addr, Token: token, Pin: r.Pin}, nil
}

// List is every PC, newest first.
func (r *Registry) List(ctx context.Context) ([]app.PC, error) { return r.Store.PCs(ctx) }

// Revoke stops the PC at once: its next request is refused.
func (r *Registry) Revoke(ctx context.Context, actor *app.Staff, id int64) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	p, _, err := r.Store.PCCredential(ctx, id)
	if errors.Is(err, app.ErrNotFound) {
		return &app.UserError{Code: "unknown_pc", Msg: fmt.Sprintf("没有编号为 %d 的电脑", id), Err: err}
	}
	if err != nil {
		return err
	}
	sid, who := actorDesc(actor)
	if err := r.Store.RevokePC(ctx, id, app.AuditEntry{At: r.Clock.Now(), StaffID: sid, Action: "pc_revoked",
		Detail: fmt.Sprintf("%s 撤销 %s（%s，编号 %d）", who, p.Name, p.Role.Name(), id)}); err != nil {
		return err
	}
	r.Log.Warn("PC revoked", "id", id, "name", p.Name, "by", who)
	return nil
}

// Credential is what a PC keeps after joining: "pc<id>.<secret>", sent as
// its bearer token.
type Credential string

func (c Credential) parse() (int64, string, bool) {
	s, ok := strings.CutPrefix(string(c), "pc")
	if !ok {
		return 0, "", false
	}
	idText, secret, ok := strings.Cut(s, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 || len(secret) < 40 {
		return 0, "", false
	}
	return id, secret, true
}

var errJoinToken = &app.UserError{Code: "bad_join_code",
	Msg: "加入码无效：可能已用过、已过期（24小时）或已被撤销，请中心负责人在中心主机上重新添加本机"}

// Enroll spends a join token: the PC it was made for gets its credential.
func (r *Registry) Enroll(ctx context.Context, token, host string) (app.PC, Credential, error) {
	token = strings.ToUpper(strings.TrimSpace(token))
	if len(token) != tokenLen {
		return app.PC{}, "", errJoinToken
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return app.PC{}, "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	if len(host) > 64 {
		host = host[:64]
	}
	host = strings.ToValidUTF8(host, "?")
	p, err := r.Store.EnrollPC(ctx, hashHex(token), hashHex(secret), host)
	if errors.Is(err, app.ErrNotFound) {
		return app.PC{}, "", errJoinToken
	}
	if err != nil {
		return app.PC{}, "", err
	}
	r.Log.Info("PC joined", "id", p.ID, "name", p.Name, "role", p.Role, "host", host)
	return p, Credential(fmt.Sprintf("pc%d.%s", p.ID, secret)), nil
}

var errRevoked = &app.UserError{Code: "pc_revoked",
	Msg: "本机已被中心负责人撤销，不能再连接中心主机；如需恢复，请中心负责人重新添加本机并用新的加入码加入"}

// Authenticate implements Authenticator: the bearer is an enrolled PC's
// credential, and the PC is not revoked (checked on every request, so a
// revocation takes effect at once).
func (r *Registry) Authenticate(req *http.Request) (Peer, error) {
	tok, ok := bearer(req.Header.Get("Authorization"))
	if !ok {
		return Peer{}, errUnauthorized
	}
	id, secret, ok := Credential(tok).parse()
	if !ok {
		return Peer{}, errUnauthorized
	}
	p, hash, err := r.Store.PCCredential(req.Context(), id)
	if errors.Is(err, app.ErrNotFound) {
		return Peer{}, errUnauthorized
	}
	if err != nil {
		return Peer{}, err
	}
	got := hashHex(secret)
	if hash == "" || subtle.ConstantTimeCompare([]byte(got), []byte(hash)) != 1 {
		return Peer{}, errUnauthorized
	}
	if p.Revoked() {
		return Peer{}, errRevoked
	}
	return Peer{PC: p}, nil
}

// EnrollRequest is the body of POST /api/v1/enroll.
type EnrollRequest struct {
	Token string `json:"token"`
	Host  string `json:"host"`
}

// EnrollResponse answers it.
type EnrollResponse struct {
	Credential Credential `json:"credential"`
	PC         int64      `json:"pc"`
	Name       string     `json:"name"`
	Role       app.PCRole `json:"role"`
	WindowID   int64      `json:"windowId,omitempty"`
	Window     int        `json:"window,omitempty"` // the window's number
}

func (r *Registry) enrollHandler(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var in EnrollRequest
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 4<<10))
		if err != nil || json.Unmarshal(body, &in) != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "请求格式有误")
			return
		}
		p, cred, err := r.Enroll(req.Context(), in.Token, in.Host)
		var ue *app.UserError
		if errors.As(err, &ue) {
			log.Warn("lan: join refused", "remote", req.RemoteAddr, "host", in.Host, "code", ue.Code)
			writeError(w, http.StatusForbidden, ue.Code, ue.Msg)
			return
		}
		if err != nil {
			log.Error("lan: join failed", "remote", req.RemoteAddr, "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "中心主机处理失败，请稍后重试")
			return
		}
		out := EnrollResponse{Credential: cred, PC: p.ID, Name: p.Name, Role: p.Role, WindowID: p.WindowID}
		if p.WindowID != 0 {
			if ws, err := r.Store.Windows(req.Context()); err == nil {
				for _, win := range ws {
					if win.ID == p.WindowID {
						out.Window = win.Number
					}
				}
			}
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// Join enrolls this PC at the hub of code over TLS pinned to the code's pin:
// a machine posing as the hub without its certificate gets nothing, and the
// token is not sent to it.
func Join(ctx context.Context, code JoinCode, host string) (EnrollResponse, error) {
	body, _ := json.Marshal(EnrollRequest{Token: code.Token, Host: host})
	cl := &http.Client{Transport: PinnedTransport(code.Pin), Timeout: 15 * time.Second}
	defer cl.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, code.URL()+"/api/v1/enroll", strings.NewReader(string(body)))
	if err != nil {
		return EnrollResponse{}, errBadCode
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.Do(req)
	if err != nil {
		if errors.Is(err, ErrPinMismatch) {
			return EnrollResponse{}, &app.UserError{Code: "hub_pin_mismatch", Err: err,
				Msg: "该地址上的电脑不是加入码所指的中心主机（证书指纹不符），未发送加入码；请核对地址，或请中心负责人重新生成加入码"}
		}
		return EnrollResponse{}, &app.UserError{Code: app.CodeHubUnreachable, Err: err,
			Msg: "无法连接中心主机，请检查网络和加入码中的地址，确认中心主机已开机"}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		_ = json.Unmarshal(data, &eb)
		msg := eb.Error.Message
		if msg == "" {
			msg = fmt.Sprintf("中心主机拒绝加入（HTTP %d）", resp.StatusCode)
		}
		return EnrollResponse{}, &app.UserError{Code: eb.Error.Code, Msg: msg, Err: fmt.Errorf("enroll: HTTP %s", resp.Status)}
	}
	var out EnrollResponse
	if err := json.Unmarshal(data, &out); err != nil || out.Credential == "" || !out.Role.Valid() {
		return EnrollResponse{}, &app.UserError{Code: app.CodeHubUnreachable, Msg: "中心主机的应答无法识别", Err: fmt.Errorf("enroll answer %q", data)}
	}
	return out, nil
}
