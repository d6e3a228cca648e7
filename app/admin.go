package app

import (
	"context"
	"errors"
)

// The centre's setup (中心设置) as the domain knows it: the store's side of
// changing it, the window kinds and the limits of its texts. app/admin
// changes it.

// AdminStore changes the centre's setup in place. Each method writes a and
// the change in one transaction, all or nothing.
type AdminStore interface {
	// UpdateWindow stores the window's number, name, kind and active flag.
	// A second active window with the same number fails with ErrDuplicate;
	// an unknown ID with ErrNotFound.
	UpdateWindow(ctx context.Context, w Window, a AuditEntry) error
	// UpdateStaff stores the staff member's name, role and active flag (not
	// the 工号 nor the PIN). Deactivating also clears the member's AB posts.
	// A change that would leave no active manager fails with ErrLastManager.
	UpdateStaff(ctx context.Context, s Staff, a AuditEntry) error
	// SetPIN stores a new PIN hash for the staff member.
	SetPIN(ctx context.Context, staffID int64, pinHash string, a AuditEntry) error
	// SetPosts makes a and b the A and B clerks of the window (0 = vacant).
	SetPosts(ctx context.Context, windowID, a, b int64, audit AuditEntry) error
	// UpdateCategory stores the category's prefix and name and replaces its
	// windows (in preference order). A prefix in use fails with ErrDuplicate.
	UpdateCategory(ctx context.Context, c QueueCategory, a AuditEntry) error
}

// ErrLastManager is the cause of a refused change that would leave the
// centre without an active manager (nobody could then sign in to set it up).
var ErrLastManager = errors.New("no active manager would remain")

// Window kinds of JZ 4.2.3, in the order a centre usually numbers them.
const (
	WindowGeneral  = "综合受理"
	WindowDelivery = "综合出件"
	WindowDept     = "部门专窗"
	WindowCross    = "跨域通办"
	WindowBusiness = "惠企政策"
	WindowFeedback = "“办不成事”反映"
)

// WindowKinds lists the window kinds of JZ 4.2.3.
func WindowKinds() []string {
	return []string{WindowGeneral, WindowDelivery, WindowDept, WindowCross, WindowBusiness, WindowFeedback}
}

// CentreConfig is the centre's setup as the 中心设置 screen shows it. Staff
// carry no PIN hashes.
type CentreConfig struct {
	Windows    []Window        // by number, inactive ones included
	Staff      []Staff         // by 工号, inactive ones included
	Posts      []Post          // by window, A before B
	Categories []QueueCategory // by ID
}
