package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

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
		return refuse("bad_pin", "密码应为4至12位数字")
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return refuse("bad_pin", "密码应为4至12位数字")
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

// Login checks 工号 + PIN and returns the staff member.
func (s *Service) Login(ctx context.Context, no, pin string) (*Staff, error) {
	st, err := s.Store.StaffByNo(ctx, strings.TrimSpace(no))
	if errors.Is(err, ErrNotFound) {
		return nil, errBadLogin
	}
	if err != nil {
		return nil, err
	}
	if !st.Active || !VerifyPIN(st.PINHash, pin) {
		return nil, errBadLogin
	}
	_ = s.Store.AddAudit(ctx, AuditEntry{At: s.Clock.Now(), StaffID: st.ID, Action: "login"})
	return &st, nil
}

// AddStaff creates a staff member with a PIN. Manager only.
func (s *Service) AddStaff(ctx context.Context, actor *Staff, st Staff, pin string) (Staff, error) {
	if err := requireManager(actor); err != nil {
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
	if st.No == "" || st.Name == "" {
		return Staff{}, refuse("bad_staff", "工号和姓名不能为空")
	}
	if st.Role != RoleClerk && st.Role != RoleManager {
		return Staff{}, refuse("bad_staff", "角色只能是窗口工作人员或中心负责人")
	}
	h, err := HashPIN(pin)
	if err != nil {
		return Staff{}, err
	}
	st.PINHash = h
	st.Active = true
	id, err := s.Store.AddStaff(ctx, st)
	if errors.Is(err, ErrDuplicate) {
		return Staff{}, &UserError{Code: "duplicate_staff", Msg: fmt.Sprintf("工号 %s 已被使用（停用的工作人员也占用工号），请换一个工号", st.No), Err: err}
	}
	if err != nil {
		return Staff{}, err
	}
	st.ID = id
	_ = s.Store.AddAudit(ctx, AuditEntry{At: s.Clock.Now(), StaffID: actorID, Action: "add_staff",
		Detail: st.No + " " + string(st.Role)})
	return st, nil
}
