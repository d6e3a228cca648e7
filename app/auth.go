package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum (19 MiB, 2 passes), a few tens of
// milliseconds on a counter PC, so a stolen database does not give up 6-digit PINs cheaply.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// ValidatePIN requires 4 to 12 digits.
func ValidatePIN(pin string) error {
	if len(pin) < 4 || len(pin) > 12 {
		return Refuse("bad_pin", "密码应为4至12位数字")
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return Refuse("bad_pin", "密码应为4至12位数字")
		}
	}
	return nil
}

// HashPIN hashes a PIN with Argon2id and a random salt, in the PHC string format.
func HashPIN(pin string) (string, error) {
	if err := ValidatePIN(pin); err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash pin: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPIN checks a PIN against a HashPIN string in constant time.
func VerifyPIN(hash, pin string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || t == 0 || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

var errBadLogin = &UserError{Code: "bad_login", Msg: "工号或密码错误"}

// Failed PIN attempts are limited per 工号 (known or not, so the answer does
// not tell which exist): loginFreeTries in a row, then a wait that doubles
// with every further failure, up to loginMaxWait. A 6-digit PIN then takes
// years to guess at the login screen, while a clerk who mistypes waits
// seconds. The count lives in the audit log, so it survives a restart, and
// only failures within loginMemory count.
const (
	loginFreeTries = 5
	loginBaseWait  = 30 * time.Second
	loginMaxWait   = 15 * time.Minute
	loginMemory    = 24 * time.Hour
)

// Audit actions of the login limiter.
const (
	AuditLogin        = "login"
	AuditLoginFailed  = "login_failed"  // a wrong 工号 or PIN; Detail is the 工号 typed
	AuditLoginBlocked = "login_blocked" // an attempt during the wait, not checked
)

// loginWait is how long a 工号 waits after n failures in a row.
func loginWait(n int) time.Duration {
	if n < loginFreeTries {
		return 0
	}
	w := loginBaseWait
	for i := loginFreeTries; i < n && w < loginMaxWait; i++ {
		w *= 2
	}
	return min(w, loginMaxWait)
}

// auditNo is the 工号 as it goes into the log: trimmed, valid UTF-8, short,
// since whatever is typed at the login screen lands there.
func auditNo(no string) string {
	no = strings.ToValidUTF8(strings.TrimSpace(no), "?")
	if r := []rune(no); len(r) > 20 {
		no = string(r[:20]) + "…"
	}
	return no
}

// LoginFailure is the recent record of failed PIN attempts of one 工号, as
// the manager sees it.
type LoginFailure struct {
	No      string    // the 工号 typed
	Name    string    // the staff member's name; empty for a 工号 nobody has
	Count   int       // failures in a row since the last successful login
	Blocked int       // attempts refused during a wait
	Last    time.Time // the last failure
	Until   time.Time // when the next attempt is allowed; zero when it is now
}

// loginFailures reads the failures of every 工号 since loginMemory ago,
// each counted from its last successful login.
func (s *Service) loginFailures(ctx context.Context, now time.Time) (map[string]*LoginFailure, error) {
	log, err := s.st.AuditLog(ctx, now.Add(-loginMemory), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	out := map[string]*LoginFailure{}
	for _, a := range log {
		switch a.Action {
		case AuditLogin:
			delete(out, a.Detail)
		case AuditLoginFailed, AuditLoginBlocked:
			f := out[a.Detail]
			if f == nil {
				f = &LoginFailure{No: a.Detail}
				out[a.Detail] = f
			}
			if a.Action == AuditLoginBlocked {
				f.Blocked++
				continue
			}
			f.Count++
			f.Last = a.At
		}
	}
	for _, f := range out {
		if until := f.Last.Add(loginWait(f.Count)); until.After(now) {
			f.Until = until
		}
	}
	return out, nil
}

// waitText says a wait in Chinese minutes and seconds.
func waitText(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d秒", int(d.Seconds()))
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d分钟", int(d.Minutes()))
	}
	return fmt.Sprintf("%d分%d秒", int(d.Minutes()), int(d.Seconds())%60)
}

// Login checks 工号 + PIN and returns the staff member. Failures are
// audited and limited (loginFreeTries, then a growing wait); during the wait
// the PIN is not even checked.
func (s *Service) Login(ctx context.Context, no, pin string) (*Staff, error) {
	no = strings.TrimSpace(no)
	key := auditNo(no)
	now := s.Clock.Now()
	fails, err := s.loginFailures(ctx, now)
	if err != nil {
		return nil, err
	}
	if f := fails[key]; f != nil && !f.Until.IsZero() {
		s.logAudit(ctx, AuditEntry{At: now, Action: AuditLoginBlocked, Detail: key})
		s.Log.Warn("login refused during the wait after failed attempts", "no", key, "failures", f.Count, "until", f.Until)
		return nil, Refuse("login_locked", "密码已连续输错%d次，为防止他人猜测密码，请%s后再试；忘记密码请找中心负责人重置",
			f.Count, waitText(f.Until.Sub(now)))
	}
	st, err := s.st.StaffByNo(ctx, no)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil || !st.Active || !VerifyPIN(st.PINHash, pin) {
		s.logAudit(ctx, AuditEntry{At: now, StaffID: st.ID, Action: AuditLoginFailed, Detail: key})
		n := 1
		if f := fails[key]; f != nil {
			n += f.Count
		}
		s.Log.Warn("login failed", "no", key, "failures", n)
		switch left := loginFreeTries - n; {
		case left <= 0:
			return nil, Refuse("bad_login", "工号或密码错误。已连续输错%d次，请%s后再试；忘记密码请找中心负责人重置",
				n, waitText(loginWait(n)))
		case left <= 2:
			return nil, Refuse("bad_login", "工号或密码错误（再错%d次将暂停登录）", left)
		}
		return nil, errBadLogin
	}
	s.logAudit(ctx, AuditEntry{At: now, StaffID: st.ID, Action: AuditLogin, Detail: key})
	return &st, nil
}

// audit writes an entry whose loss must not stop the user (the log says so).
func (s *Service) logAudit(ctx context.Context, a AuditEntry) {
	if err := s.st.AddAudit(ctx, a); err != nil {
		s.Log.Error("unable to write the audit log", "action", a.Action, "err", err)
	}
}

// FailedLogins lists the 工号 with failed PIN attempts in the last day
// (since their last successful login), most recent first, for the manager.
func (s *Service) FailedLogins(ctx context.Context, actor *Staff) ([]LoginFailure, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	return s.failedLogins(ctx)
}

func (s *Service) failedLogins(ctx context.Context) ([]LoginFailure, error) {
	fails, err := s.loginFailures(ctx, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	out := make([]LoginFailure, 0, len(fails))
	for _, f := range fails {
		if f.Count == 0 {
			continue
		}
		if st, err := s.st.StaffByNo(ctx, f.No); err == nil {
			f.Name = st.Name
		}
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Last.After(out[j].Last) })
	return out, nil
}

// AddStaff creates a staff member with a PIN. Manager only.
func (s *Service) AddStaff(ctx context.Context, actor *Staff, st Staff, pin string) (Staff, error) {
	if err := RequireManager(actor); err != nil {
		return Staff{}, err
	}
	return s.addStaff(ctx, actor.ID, st, pin)
}

// BootstrapManager creates the first manager of a new centre (init, demo).
func (s *Service) BootstrapManager(ctx context.Context, st Staff, pin string) (Staff, error) {
	st.Role = RoleManager
	return s.addStaff(ctx, 0, st, pin)
}

func (s *Service) addStaff(ctx context.Context, actorID int64, st Staff, pin string) (Staff, error) {
	st.No, st.Name = strings.TrimSpace(st.No), strings.TrimSpace(st.Name)
	if err := checkText(st.No, st.Name); err != nil {
		return Staff{}, err
	}
	if st.No == "" || st.Name == "" {
		return Staff{}, Refuse("bad_staff", "工号和姓名不能为空")
	}
	if st.Role != RoleClerk && st.Role != RoleManager {
		return Staff{}, Refuse("bad_staff", "角色只能是窗口工作人员或中心负责人")
	}
	h, err := HashPIN(pin)
	if err != nil {
		return Staff{}, err
	}
	st.PINHash = h
	st.Active = true
	id, err := s.st.AddStaff(ctx, st)
	if errors.Is(err, ErrDuplicate) {
		return Staff{}, &UserError{Code: "duplicate_staff", Msg: fmt.Sprintf("工号 %s 已被使用（停用的工作人员也占用工号），请换一个工号", st.No), Err: err}
	}
	if err != nil {
		return Staff{}, err
	}
	st.ID = id
	_ = s.st.AddAudit(ctx, AuditEntry{At: s.Clock.Now(), StaffID: actorID, Action: "add_staff",
		Detail: st.No + " " + string(st.Role)})
	return st, nil
}
