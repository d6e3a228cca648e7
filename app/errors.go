package app

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Code names why something was refused. It is stable for tests and callers;
// the codes other packages act on are the constants below, so a renamed
// code breaks the build rather than a comparison.
type Code string

// Refusals that other packages act on.
const (
	CodeAlreadyRated       Code = "already_rated"       // this visit is rated (a keypad's second answer)
	CodeBadNeedsReason     Code = "bad_needs_reason"    // a bad rating without a tag or text
	CodeUnknownTransaction Code = "unknown_transaction" // no such 流水号 here (ask the hub)
	CodeHubUnreachable     Code = "hub_unreachable"     // the LAN to the hub is down
	CodeHubClosing         Code = "hub_closing"         // the hub is shutting down
	CodeForbidden          Code = "forbidden"           // manager only
)

// UserError carries a message for the person at the screen (Chinese) next to the
// precise cause for the log (English).
type UserError struct {
	Code Code   // e.g. CodeAlreadyRated
	Msg  string // Chinese, shown to the user
	Err  error  // cause, for the log; may be nil
}

func (e *UserError) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Err.Error()
	}
	return string(e.Code)
}

func (e *UserError) Unwrap() error { return e.Err }

// Refuse builds a UserError without an underlying cause.
func Refuse(code Code, msg string, args ...any) *UserError {
	return &UserError{Code: code, Msg: fmt.Sprintf(msg, args...)}
}

// ErrForbidden is the cause of a refused manager-only action.
var ErrForbidden = errors.New("manager role required")

// UserMessage is the Chinese text to show for err.
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Msg
	}
	if errors.Is(err, ErrNotFound) {
		return "未找到相关记录"
	}
	return "操作未完成，请重试；如仍失败请联系管理员（详见日志）"
}

// ErrorCode returns the UserError code of err, or "".
func ErrorCode(err error) Code {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Code
	}
	return ""
}

// RequireManager enforces manager-only actions in app/ and its capability
// packages, whatever the UI shows.
func RequireManager(actor *Staff) error {
	if actor == nil || actor.Role != RoleManager || !actor.Active {
		return &UserError{Code: CodeForbidden, Msg: "此操作需要中心负责人权限", Err: ErrForbidden}
	}
	return nil
}

// checkText refuses text that is not valid UTF-8 (bytes from a GBK terminal
// or file): stored, it would show as garbage and break the county upload.
func checkText(vals ...string) error {
	for _, v := range vals {
		if !utf8.ValidString(v) {
			return Refuse("bad_text", "输入的文字中有无法识别的字符（不是UTF-8编码），未保存；请重新输入")
		}
	}
	return nil
}
