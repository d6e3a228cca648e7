package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The manager's setup of a real centre (中心设置): windows, staff, AB岗
// posts, queue categories and the queue's settings. Every method is manager
// only, checked here and not only by the screen, and the actor is read again
// from the store so that a manager deactivated on another PC cannot go on
// changing the setup with the session they still hold.
//
// Additions go through the Store's Add* methods (the in-memory stores have
// them), followed by an audit entry. Changes in place need AdminStore, which
// writes the change and its audit entry in one database transaction.
// Nothing is ever deleted: ratings, transactions and tickets refer to
// windows and staff, so they are deactivated (停用) instead.

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

// Limits of the setup's texts: they must fit a kiosk button and a line of
// the hall display.
const (
	maxWindowNumber  = 999
	maxWindowName    = 20
	maxStaffName     = 20
	maxStaffNo       = 20
	maxCategoryName  = 12
	maxWindowsPerCat = 30
)

// CentreConfig is the centre's setup as the 中心设置 screen shows it. Staff
// carry no PIN hashes.
type CentreConfig struct {
	Windows    []Window        // by number, inactive ones included
	Staff      []Staff         // by 工号, inactive ones included
	Posts      []Post          // by window, A before B
	Categories []QueueCategory // by ID
}

// managerAdmin is the admin store for an actor who is a manager now
// (requireManagerNow).
func (s *Service) managerAdmin(ctx context.Context, actor *Staff) (AdminStore, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return nil, err
	}
	return s.st, nil
}

// requireManagerNow checks the actor's session and then the stored record:
// still a manager, still active.
func (s *Service) requireManagerNow(ctx context.Context, actor *Staff) error {
	if err := requireManager(actor); err != nil {
		return err
	}
	cur, err := s.st.StaffByID(ctx, actor.ID)
	if errors.Is(err, ErrNotFound) {
		return requireManager(nil)
	}
	if err != nil {
		return err
	}
	return requireManager(&cur)
}

func (s *Service) audit(actor *Staff, action, format string, args ...any) AuditEntry {
	return AuditEntry{At: s.Clock.Now(), StaffID: actor.ID, Action: action, Detail: fmt.Sprintf(format, args...)}
}

// addAudit writes the audit entry of an addition. The addition is stored
// already; a failed audit write is logged rather than reported as a failed
// addition (which a retry would then refuse as a duplicate).
func (s *Service) addAudit(ctx context.Context, a AuditEntry) {
	if err := s.st.AddAudit(ctx, a); err != nil {
		s.Log.Error("audit entry not stored", "action", a.Action, "detail", a.Detail, "err", err)
	}
}

// CentreConfig returns the centre's windows, staff, posts and categories.
// Manager only.
func (s *Service) CentreConfig(ctx context.Context, actor *Staff) (CentreConfig, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return CentreConfig{}, err
	}
	var c CentreConfig
	var err error
	if c.Windows, err = s.st.Windows(ctx); err != nil {
		return CentreConfig{}, err
	}
	if c.Staff, err = s.st.AllStaff(ctx); err != nil {
		return CentreConfig{}, err
	}
	for i := range c.Staff {
		c.Staff[i].PINHash = ""
	}
	if c.Posts, err = s.st.Posts(ctx); err != nil {
		return CentreConfig{}, err
	}
	if c.Categories, err = s.st.Categories(ctx); err != nil {
		return CentreConfig{}, err
	}
	return c, nil
}

// ---- windows ----

// checkWindow validates w's fields. was is the stored window when editing
// (nil when adding): a kind from before JZ 4.2.3 names (专窗) may be kept.
func checkWindow(w *Window, was *Window, all []Window) error {
	w.Name = strings.TrimSpace(w.Name)
	w.Kind = strings.TrimSpace(w.Kind)
	switch {
	case w.Number < 1 || w.Number > maxWindowNumber:
		return Refuse("bad_window", "窗口号应为 1 到 %d 之间的数字", maxWindowNumber)
	case w.Name == "":
		return Refuse("bad_window", "请填写窗口名称，例如“综合受理窗口”")
	case utf8.RuneCountInString(w.Name) > maxWindowName:
		return Refuse("bad_window", "窗口名称不能超过 %d 个字", maxWindowName)
	case !slices.Contains(WindowKinds(), w.Kind) && (was == nil || was.Kind != w.Kind):
		return Refuse("bad_window", "请选择窗口类型：%s", strings.Join(WindowKinds(), "、"))
	}
	if w.Active {
		for _, o := range all {
			if o.Active && o.Number == w.Number && o.ID != w.ID {
				return Refuse("duplicate_window", "%d号窗口已存在（%s），请换一个窗口号", o.Number, o.Name)
			}
		}
	}
	return nil
}

// duplicateWindow turns the database's refusal of a second active window
// with the same number (a race with another PC) into the user's message.
func duplicateWindow(err error, number int) error {
	if errors.Is(err, ErrDuplicate) {
		return &UserError{Code: "duplicate_window", Msg: fmt.Sprintf("%d号窗口已存在，请换一个窗口号", number), Err: err}
	}
	return err
}

// AddWindow adds an active window. The number must not be used by another
// active window; the kind is one of WindowKinds. Manager only.
func (s *Service) AddWindow(ctx context.Context, actor *Staff, w Window) (Window, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return Window{}, err
	}
	all, err := s.st.Windows(ctx)
	if err != nil {
		return Window{}, err
	}
	w.ID, w.Active = 0, true
	if err := checkWindow(&w, nil, all); err != nil {
		return Window{}, err
	}
	if w.ID, err = s.st.AddWindow(ctx, w); err != nil {
		return Window{}, duplicateWindow(err, w.Number)
	}
	s.addAudit(ctx, s.audit(actor, "add_window", "%d号窗口 %s（%s）", w.Number, w.Name, w.Kind))
	return w, nil
}

// managerWindow is managerAdmin with the centre's windows and the one with
// id among them.
func (s *Service) managerWindow(ctx context.Context, actor *Staff, id int64) (AdminStore, []Window, Window, error) {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return nil, nil, Window{}, err
	}
	all, err := s.st.Windows(ctx)
	if err != nil {
		return nil, nil, Window{}, err
	}
	w, err := findWindow(all, id)
	return as, all, w, err
}

func findWindow(all []Window, id int64) (Window, error) {
	for _, w := range all {
		if w.ID == id {
			return w, nil
		}
	}
	return Window{}, &UserError{Code: "unknown_window", Msg: "没有这个窗口，请刷新后重试",
		Err: fmt.Errorf("window %d: %w", id, ErrNotFound)}
}

// UpdateWindow changes a window's number, name and kind (w.Active is
// ignored: SetWindowActive deactivates). Manager only.
func (s *Service) UpdateWindow(ctx context.Context, actor *Staff, w Window) (Window, error) {
	as, all, was, err := s.managerWindow(ctx, actor, w.ID)
	if err != nil {
		return Window{}, err
	}
	w.Active = was.Active
	if err := checkWindow(&w, &was, all); err != nil {
		return Window{}, err
	}
	a := s.audit(actor, "edit_window", "%d号窗口 %s（%s） → %d号窗口 %s（%s）", was.Number, was.Name, was.Kind,
		w.Number, w.Name, w.Kind)
	if err := as.UpdateWindow(ctx, w, a); err != nil {
		return Window{}, duplicateWindow(err, w.Number)
	}
	s.hallChanged()
	return w, nil
}

// SetWindowActive deactivates (停用) or reactivates (启用) a window; it is
// never deleted, since ratings and transactions refer to it. A window that
// is the only active window of a queue category is not deactivated: its
// tickets could not be called. Reactivating needs its number to be free
// among the active windows. Manager only.
func (s *Service) SetWindowActive(ctx context.Context, actor *Staff, id int64, active bool) error {
	as, all, w, err := s.managerWindow(ctx, actor, id)
	if err != nil {
		return err
	}
	if w.Active == active {
		return nil
	}
	action := "activate_window"
	if !active {
		action = "deactivate_window"
		cats, err := s.st.Categories(ctx)
		if err != nil {
			return err
		}
		activeWin := map[int64]bool{}
		for _, x := range all {
			activeWin[x.ID] = x.Active && x.ID != id
		}
		for _, c := range cats {
			if !slices.Contains(c.Windows, id) {
				continue
			}
			if !slices.ContainsFunc(c.Windows, func(x int64) bool { return activeWin[x] }) {
				return Refuse("window_needed", "%d号窗口是排队业务“%s”唯一的办理窗口。请先在“排队业务”中为它指定其他窗口，再停用本窗口",
					w.Number, c.Name)
			}
		}
	} else {
		for _, o := range all {
			if o.Active && o.Number == w.Number {
				return Refuse("duplicate_window", "%d号窗口已被“%s”使用，不能启用。请先把本窗口改成别的窗口号", w.Number, o.Name)
			}
		}
	}
	w.Active = active
	if err := as.UpdateWindow(ctx, w, s.audit(actor, action, "%d号窗口 %s", w.Number, w.Name)); err != nil {
		return duplicateWindow(err, w.Number)
	}
	s.hallChanged()
	return nil
}

// ---- staff ----

// AddStaff (app/auth.go) adds a staff member with an initial PIN.

func (s *Service) staffMember(ctx context.Context, id int64) (Staff, error) {
	st, err := s.st.StaffByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Staff{}, &UserError{Code: "unknown_staff", Msg: "没有这名工作人员，请刷新后重试", Err: err}
	}
	return st, err
}

// otherActiveManagers counts the active managers other than id.
func (s *Service) otherActiveManagers(ctx context.Context, id int64) (int, error) {
	all, err := s.st.AllStaff(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range all {
		if x.ID != id && x.Active && x.Role == RoleManager {
			n++
		}
	}
	return n, nil
}

func lastManager(err error) error {
	if errors.Is(err, ErrLastManager) {
		return &UserError{Code: "last_manager", Msg: "中心至少要有一名在用的中心负责人，不能停用或改变最后一名负责人的角色", Err: err}
	}
	return err
}

// UpdateStaff changes a staff member's name and role (not the 工号, which
// ratings and logs refer to, nor st.Active: SetStaffActive does that). A
// manager cannot change their own role, and the last active manager stays
// a manager. Manager only.
func (s *Service) UpdateStaff(ctx context.Context, actor *Staff, st Staff) (Staff, error) {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return Staff{}, err
	}
	was, err := s.staffMember(ctx, st.ID)
	if err != nil {
		return Staff{}, err
	}
	st.Name = strings.TrimSpace(st.Name)
	switch {
	case st.Name == "":
		return Staff{}, Refuse("bad_staff", "姓名不能为空")
	case utf8.RuneCountInString(st.Name) > maxStaffName:
		return Staff{}, Refuse("bad_staff", "姓名不能超过 %d 个字", maxStaffName)
	case st.Role != RoleClerk && st.Role != RoleManager:
		return Staff{}, Refuse("bad_staff", "角色只能是窗口工作人员或中心负责人")
	case st.ID == actor.ID && st.Role != was.Role:
		return Staff{}, Refuse("self_role", "不能更改自己的角色；请另一名中心负责人操作")
	}
	if was.Role == RoleManager && st.Role != RoleManager && was.Active {
		n, err := s.otherActiveManagers(ctx, st.ID)
		if err != nil {
			return Staff{}, err
		}
		if n == 0 {
			return Staff{}, lastManager(ErrLastManager)
		}
	}
	out := was
	out.Name, out.Role = st.Name, st.Role
	a := s.audit(actor, "edit_staff", "%s %s（%s） → %s（%s）", was.No, was.Name, was.Role.Name(), out.Name, out.Role.Name())
	if err := as.UpdateStaff(ctx, out, a); err != nil {
		return Staff{}, lastManager(err)
	}
	out.PINHash = ""
	return out, nil
}

// SetStaffActive deactivates (停用) or reactivates (启用) a staff member.
// Staff are never deleted: ratings name them. Deactivating clears their AB
// posts; they can no longer sign in. A manager cannot deactivate themself,
// nor the last active manager. Manager only.
func (s *Service) SetStaffActive(ctx context.Context, actor *Staff, id int64, active bool) error {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return err
	}
	st, err := s.staffMember(ctx, id)
	if err != nil {
		return err
	}
	if st.Active == active {
		return nil
	}
	action := "activate_staff"
	if !active {
		action = "deactivate_staff"
		if id == actor.ID {
			return Refuse("self_deactivate", "不能停用自己的账号；请另一名中心负责人操作")
		}
		if st.Role == RoleManager {
			n, err := s.otherActiveManagers(ctx, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return lastManager(ErrLastManager)
			}
		}
	}
	st.Active = active
	return lastManager(as.UpdateStaff(ctx, st, s.audit(actor, action, "%s %s", st.No, st.Name)))
}

// ResetPIN sets a new PIN for a staff member who forgot theirs (the rules
// of AddStaff: 4 to 12 digits). The PIN is never logged. Manager only.
func (s *Service) ResetPIN(ctx context.Context, actor *Staff, id int64, pin string) error {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return err
	}
	st, err := s.staffMember(ctx, id)
	if err != nil {
		return err
	}
	h, err := HashPIN(pin)
	if err != nil {
		return err
	}
	return as.SetPIN(ctx, id, h, s.audit(actor, "reset_pin", "%s %s", st.No, st.Name))
}

// ---- AB岗 ----

// SetPosts makes a the A clerk and b the B clerk of the window (AB岗, JZ
// 7.6.4; 0 leaves the post vacant). Both must be active staff, and not the
// same person; one person may hold posts at several windows (a B clerk
// usually covers a neighbouring window). Manager only.
func (s *Service) SetPosts(ctx context.Context, actor *Staff, windowID, a, b int64) error {
	as, _, w, err := s.managerWindow(ctx, actor, windowID)
	if err != nil {
		return err
	}
	if !w.Active {
		return Refuse("window_inactive", "%d号窗口已停用，不能安排岗位", w.Number)
	}
	if a != 0 && a == b {
		return Refuse("same_post", "A岗和B岗不能是同一个人：B岗在A岗不在时顶岗")
	}
	names := [2]string{"空缺", "空缺"}
	for i, id := range []int64{a, b} {
		if id == 0 {
			continue
		}
		st, err := s.staffMember(ctx, id)
		if err != nil {
			return err
		}
		if !st.Active {
			return Refuse("staff_inactive", "%s %s 已停用，不能安排岗位", st.No, st.Name)
		}
		names[i] = st.No + " " + st.Name
	}
	return as.SetPosts(ctx, windowID, a, b, s.audit(actor, "set_posts", "%d号窗口 A岗 %s，B岗 %s", w.Number, names[0], names[1]))
}

// ---- queue categories ----

// checkCategory validates c against the stored categories and windows.
func checkCategory(c *QueueCategory, cats []QueueCategory, wins []Window) error {
	c.Prefix = strings.ToUpper(strings.TrimSpace(c.Prefix))
	c.Name = strings.TrimSpace(c.Name)
	if len(c.Prefix) != 1 || c.Prefix[0] < 'A' || c.Prefix[0] > 'Z' {
		return Refuse("bad_prefix", "号码字母应为一个大写英文字母（A–Z），例如 A")
	}
	if c.Name == "" {
		return Refuse("bad_category", "请填写业务名称，例如“综合受理”")
	}
	if utf8.RuneCountInString(c.Name) > maxCategoryName {
		return Refuse("bad_category", "业务名称不能超过 %d 个字（取号机按钮上要放得下）", maxCategoryName)
	}
	for _, o := range cats {
		if o.ID == c.ID {
			continue
		}
		if o.Prefix == c.Prefix {
			return Refuse("duplicate_prefix", "字母 %s 已用于排队业务“%s”，请换一个字母", c.Prefix, o.Name)
		}
		if o.Name == c.Name {
			return Refuse("duplicate_category", "排队业务“%s”已存在（字母 %s）", o.Name, o.Prefix)
		}
	}
	if len(c.Windows) == 0 {
		return Refuse("no_windows", "请至少选择一个办理该业务的窗口")
	}
	if len(c.Windows) > maxWindowsPerCat {
		return Refuse("bad_category", "一个业务最多 %d 个窗口", maxWindowsPerCat)
	}
	seen := map[int64]bool{}
	for _, id := range c.Windows {
		w, err := findWindow(wins, id)
		if err != nil {
			return err
		}
		if !w.Active {
			return Refuse("window_inactive", "%d号窗口已停用，不能办理排队业务", w.Number)
		}
		if seen[id] {
			return Refuse("bad_category", "%d号窗口选了两次", w.Number)
		}
		seen[id] = true
	}
	return nil
}

func duplicatePrefix(err error, prefix string) error {
	if errors.Is(err, ErrDuplicate) {
		return &UserError{Code: "duplicate_prefix", Msg: fmt.Sprintf("字母 %s 已被其他排队业务使用，请换一个字母", prefix), Err: err}
	}
	return err
}

func (s *Service) categoryInput(ctx context.Context, c *QueueCategory) ([]QueueCategory, []Window, error) {
	cats, err := s.st.Categories(ctx)
	if err != nil {
		return nil, nil, err
	}
	wins, err := s.st.Windows(ctx)
	if err != nil {
		return nil, nil, err
	}
	c.Windows = slices.Clone(c.Windows)
	return cats, wins, checkCategory(c, cats, wins)
}

func windowNumbers(ids []int64, wins []Window) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString("、")
		}
		w, _ := findWindow(wins, id)
		fmt.Fprintf(&b, "%d", w.Number)
	}
	return b.String()
}

// AddCategory adds a queue category: one capital letter for its ticket
// numbers (A001 …), unique; a name for the kiosk button; the windows that
// serve it, most preferred first (a window calls first the categories it is
// most preferred for). Manager only.
func (s *Service) AddCategory(ctx context.Context, actor *Staff, c QueueCategory) (QueueCategory, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return QueueCategory{}, err
	}
	c.ID = 0
	_, wins, err := s.categoryInput(ctx, &c)
	if err != nil {
		return QueueCategory{}, err
	}
	if c.ID, err = s.st.AddCategory(ctx, c); err != nil {
		return QueueCategory{}, duplicatePrefix(err, c.Prefix)
	}
	s.addAudit(ctx, s.audit(actor, "add_category", "%s %s 窗口 %s", c.Prefix, c.Name, windowNumbers(c.Windows, wins)))
	s.hallChanged()
	return c, nil
}

// UpdateCategory changes a category's letter, name and windows (replaced,
// in the order given). Manager only.
func (s *Service) UpdateCategory(ctx context.Context, actor *Staff, c QueueCategory) (QueueCategory, error) {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return QueueCategory{}, err
	}
	cats, wins, err := s.categoryInput(ctx, &c)
	if err != nil {
		return QueueCategory{}, err
	}
	i := slices.IndexFunc(cats, func(o QueueCategory) bool { return o.ID == c.ID })
	if i < 0 {
		return QueueCategory{}, &UserError{Code: "unknown_category", Msg: "没有这个排队业务，请刷新后重试",
			Err: fmt.Errorf("category %d: %w", c.ID, ErrNotFound)}
	}
	was := cats[i]
	a := s.audit(actor, "edit_category", "%s %s 窗口 %s → %s %s 窗口 %s", was.Prefix, was.Name,
		windowNumbers(was.Windows, wins), c.Prefix, c.Name, windowNumbers(c.Windows, wins))
	if err := as.UpdateCategory(ctx, c, a); err != nil {
		return QueueCategory{}, duplicatePrefix(err, c.Prefix)
	}
	s.hallChanged()
	return c, nil
}

// ---- the 中心设置 screen's backend ----

// QueueConfig is the queue's settings side: *Queue on the hub or a
// standalone PC.
type QueueConfig interface {
	Settings(ctx context.Context) (QueueSettings, error)
	SaveSettings(ctx context.Context, s QueueSettings) error
}

// Admin is what the manager's 中心设置 screen calls: the Service's setup
// methods (promoted) and the queue's settings, manager only. Open it only
// where the centre's database is (the hub or a standalone PC): a counter's
// copy of the setup is replaced by the hub's.
type Admin struct {
	*Service
	Queue QueueConfig
}

// NewAdmin returns the setup backend on svc and the queue q. When q can
// publish to the hall (the hub's *Queue), every change of the Service's to
// windows and categories tells the hall displays and kiosks to refetch,
// whether it is made through the Admin or the Service.
func NewAdmin(svc *Service, q QueueConfig) *Admin {
	if p, ok := q.(interface{ Publish(HallEvent) HallEvent }); ok {
		svc.OnHallChanged(func() { p.Publish(HallEvent{Kind: EventWindow}) })
	}
	return &Admin{Service: svc, Queue: q}
}

// QueueSettings returns the queue settings. Manager only.
func (a *Admin) QueueSettings(ctx context.Context, actor *Staff) (QueueSettings, error) {
	if err := a.requireManagerNow(ctx, actor); err != nil {
		return QueueSettings{}, err
	}
	return a.Queue.Settings(ctx)
}

// SaveQueueSettings validates and stores the queue settings (Queue.SaveSettings
// tells the hall displays), with an audit entry. Manager only.
func (a *Admin) SaveQueueSettings(ctx context.Context, actor *Staff, set QueueSettings) error {
	if err := a.requireManagerNow(ctx, actor); err != nil {
		return err
	}
	if err := a.Queue.SaveSettings(ctx, set); err != nil {
		return err
	}
	a.addAudit(ctx, a.audit(actor, "queue_settings", "绿色通道 %d，隔夜保留 %t，语音 %d 次，通知 %d 字",
		set.PriorityRatio, set.KeepOvernight, set.Repeat, utf8.RuneCountInString(strings.TrimSpace(set.Notice))))
	return nil
}
