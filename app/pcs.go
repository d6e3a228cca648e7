package app

import "time"

// PCRole is what an enrolled PC may do at the hub (sync/lan checks it on
// every request). Each PC has its own credential, so one can be revoked
// without touching the others, and a stolen kiosk credential gives no more
// than a kiosk does.
type PCRole string

// PC roles.
const (
	// PCCounter is a window PC: it calls tickets for its own window, posts
	// the records of its own window and gets the PIN hashes of the staff
	// posted there (AB岗), so they can sign in while the hub is away.
	PCCounter PCRole = "counter"
	// PCKiosk is the 取号机: it reads the categories and issues tickets.
	PCKiosk PCRole = "kiosk"
	// PCDisplay is the 大厅屏: it reads the board and follows the calls.
	PCDisplay PCRole = "display"
)

// Valid reports whether r is a PC role.
func (r PCRole) Valid() bool { return r == PCCounter || r == PCKiosk || r == PCDisplay }

// Name is the Chinese name of the role.
func (r PCRole) Name() string {
	switch r {
	case PCCounter:
		return "窗口电脑"
	case PCKiosk:
		return "取号机"
	case PCDisplay:
		return "大厅屏"
	}
	return string(r)
}

// PC is a computer enrolled at the hub.
type PC struct {
	ID       int64
	Name     string // e.g. "3号窗口电脑", shown in the list
	Role     PCRole
	WindowID int64 // a counter's window; 0 for kiosks and displays
	// Host is what the PC said its hostname was when it joined.
	Host       string
	CreatedAt  time.Time
	EnrolledAt time.Time // zero while the join code is unused
	RevokedAt  time.Time // zero while allowed
	// TokenExpires is when an unused join code stops working.
	TokenExpires time.Time
}

// Revoked reports whether the PC has been revoked.
func (p PC) Revoked() bool { return !p.RevokedAt.IsZero() }

// State is the PC's state in Chinese, for the list.
func (p PC) State(now time.Time) string {
	switch {
	case p.Revoked():
		return "已撤销"
	case !p.EnrolledAt.IsZero():
		return "已加入"
	case now.After(p.TokenExpires):
		return "加入码已过期"
	}
	return "等待加入"
}
