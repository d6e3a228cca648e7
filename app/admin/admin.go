// Package admin is the manager's setup of a real centre (中心设置):
// windows, staff, AB岗 posts, queue categories and the queue's settings.
// Every method is manager only, checked here and not only by the screen, and
// the actor is read again from the store so that a manager deactivated on
// another PC cannot go on changing the setup with the session they still
// hold.
//
// Additions go through the store's Add* methods, followed by an audit entry.
// Changes in place go through app.AdminStore, which writes the change and
// its audit entry in one database transaction. Nothing is ever deleted:
// ratings, transactions and tickets refer to windows and staff, so they are
// deactivated (停用) instead.
package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"bianmin/app"
)

// Limits of the setup's texts: they must fit a kiosk button and a line of
// the hall display.
const (
	maxWindowNumber  = 999
	maxWindowName    = 20
	maxStaffName     = 20
	maxCategoryName  = 12
	maxWindowsPerCat = 30
)

// Store is what the setup needs of the centre's database: storage.DB and
// memstore.Store have it.
type Store interface {
	app.AdminStore
	StaffByID(ctx context.Context, id int64) (app.Staff, error)
	Windows(ctx context.Context) ([]app.Window, error)
	AllStaff(ctx context.Context) ([]app.Staff, error)
	Posts(ctx context.Context) ([]app.Post, error)
	Categories(ctx context.Context) ([]app.QueueCategory, error)
	AddWindow(ctx context.Context, w app.Window) (int64, error)
	AddCategory(ctx context.Context, c app.QueueCategory) (int64, error)
	AddAudit(ctx context.Context, a app.AuditEntry) error
}

// managerAdmin is the admin store for an actor who is a manager now
// (requireManagerNow).
func (s *Admin) managerAdmin(ctx context.Context, actor *app.Staff) (app.AdminStore, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return nil, err
	}
	return s.st, nil
}

// requireManagerNow checks the actor's session and then the stored record:
// still a manager, still active.
func (s *Admin) requireManagerNow(ctx context.Context, actor *app.Staff) error {
	if err := app.RequireManager(actor); err != nil {
		return err
	}
	cur, err := s.st.StaffByID(ctx, actor.ID)
	if errors.Is(err, app.ErrNotFound) {
		return app.RequireManager(nil)
	}
	if err != nil {
		return err
	}
	return app.RequireManager(&cur)
}

func (s *Admin) audit(actor *app.Staff, action, format string, args ...any) app.AuditEntry {
	return app.AuditEntry{At: s.svc.Clock.Now(), StaffID: actor.ID, Action: action, Detail: fmt.Sprintf(format, args...)}
}

// addAudit writes the audit entry of an addition. The addition is stored
// already; a failed audit write is logged rather than reported as a failed
// addition (which a retry would then refuse as a duplicate).
func (s *Admin) addAudit(ctx context.Context, a app.AuditEntry) {
	if err := s.st.AddAudit(ctx, a); err != nil {
		s.svc.Log.Error("audit entry not stored", "action", a.Action, "detail", a.Detail, "err", err)
	}
}

// CentreConfig returns the centre's windows, staff, posts and categories.
// Manager only.
func (s *Admin) CentreConfig(ctx context.Context, actor *app.Staff) (app.CentreConfig, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return app.CentreConfig{}, err
	}
	var c app.CentreConfig
	var err error
	if c.Windows, err = s.st.Windows(ctx); err != nil {
		return app.CentreConfig{}, err
	}
	if c.Staff, err = s.st.AllStaff(ctx); err != nil {
		return app.CentreConfig{}, err
	}
	for i := range c.Staff {
		c.Staff[i].PINHash = ""
	}
	if c.Posts, err = s.st.Posts(ctx); err != nil {
		return app.CentreConfig{}, err
	}
	if c.Categories, err = s.st.Categories(ctx); err != nil {
		return app.CentreConfig{}, err
	}
	return c, nil
}

// ---- windows ----

// checkWindow validates w's fields. was is the stored window when editing
// (nil when adding): a kind from before JZ 4.2.3 names (专窗) may be kept.
func checkWindow(w *app.Window, was *app.Window, all []app.Window) error {
	w.Name = strings.TrimSpace(w.Name)
	w.Kind = strings.TrimSpace(w.Kind)
	switch {
	case w.Number < 1 || w.Number > maxWindowNumber:
		return app.Refuse("bad_window", "窗口号应为 1 到 %d 之间的数字", maxWindowNumber)
	case w.Name == "":
		return app.Refuse("bad_window", "请填写窗口名称，例如“综合受理窗口”")
	case utf8.RuneCountInString(w.Name) > maxWindowName:
		return app.Refuse("bad_window", "窗口名称不能超过 %d 个字", maxWindowName)
	case !slices.Contains(app.WindowKinds(), w.Kind) && (was == nil || was.Kind != w.Kind):
		return app.Refuse("bad_window", "请选择窗口类型：%s", strings.Join(app.WindowKinds(), "、"))
	}
	if w.Active {
		for _, o := range all {
			if o.Active && o.Number == w.Number && o.ID != w.ID {
				return app.Refuse("duplicate_window", "%d号窗口已存在（%s），请换一个窗口号", o.Number, o.Name)
			}
		}
	}
	return nil
}

// duplicateWindow turns the database's refusal of a second active window
// with the same number (a race with another PC) into the user's message.
func duplicateWindow(err error, number int) error {
	if errors.Is(err, app.ErrDuplicate) {
		return &app.UserError{Code: "duplicate_window", Msg: fmt.Sprintf("%d号窗口已存在，请换一个窗口号", number), Err: err}
	}
	return err
}

// AddWindow adds an active window. The number must not be used by another
// active window; the kind is one of WindowKinds. Manager only.
func (s *Admin) AddWindow(ctx context.Context, actor *app.Staff, w app.Window) (app.Window, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return app.Window{}, err
	}
	all, err := s.st.Windows(ctx)
	if err != nil {
		return app.Window{}, err
	}
	w.ID, w.Active = 0, true
	if err := checkWindow(&w, nil, all); err != nil {
		return app.Window{}, err
	}
	if w.ID, err = s.st.AddWindow(ctx, w); err != nil {
		return app.Window{}, duplicateWindow(err, w.Number)
	}
	s.addAudit(ctx, s.audit(actor, "add_window", "%d号窗口 %s（%s）", w.Number, w.Name, w.Kind))
	return w, nil
}

// managerWindow is managerAdmin with the centre's windows and the one with
// id among them.
func (s *Admin) managerWindow(ctx context.Context, actor *app.Staff, id int64) (app.AdminStore, []app.Window, app.Window, error) {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return nil, nil, app.Window{}, err
	}
	all, err := s.st.Windows(ctx)
	if err != nil {
		return nil, nil, app.Window{}, err
	}
	w, err := findWindow(all, id)
	return as, all, w, err
}

func findWindow(all []app.Window, id int64) (app.Window, error) {
	for _, w := range all {
		if w.ID == id {
			return w, nil
		}
	}
	return app.Window{}, &app.UserError{Code: "unknown_window", Msg: "没有这个窗口，请刷新后重试",
		Err: fmt.Errorf("window %d: %w", id, app.ErrNotFound)}
}

// UpdateWindow changes a window's number, name and kind (w.Active is
// ignored: SetWindowActive deactivates). Manager only.
func (s *Admin) UpdateWindow(ctx context.Context, actor *app.Staff, w app.Window) (app.Window, error) {
	as, all, was, err := s.managerWindow(ctx, actor, w.ID)
	if err != nil {
		return app.Window{}, err
	}
	w.Active = was.Active
	if err := checkWindow(&w, &was, all); err != nil {
		return app.Window{}, err
	}
	a := s.audit(actor, "edit_window", "%d号窗口 %s（%s） → %d号窗口 %s（%s）", was.Number, was.Name, was.Kind,
		w.Number, w.Name, w.Kind)
	if err := as.UpdateWindow(ctx, w, a); err != nil {
		return app.Window{}, duplicateWindow(err, w.Number)
	}
	s.hallChanged()
	return w, nil
}

// SetWindowActive deactivates (停用) or reactivates (启用) a window; it is
// never deleted, since ratings and transactions refer to it. A window that
// is the only active window of a queue category is not deactivated: its
// tickets could not be called. Reactivating needs its number to be free
// among the active windows. Manager only.
func (s *Admin) SetWindowActive(ctx context.Context, actor *app.Staff, id int64, active bool) error {
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
				return app.Refuse("window_needed", "%d号窗口是排队业务“%s”唯一的办理窗口。请先在“排队业务”中为它指定其他窗口，再停用本窗口",
					w.Number, c.Name)
			}
		}
	} else {
		for _, o := range all {
			if o.Active && o.Number == w.Number {
				return app.Refuse("duplicate_window", "%d号窗口已被“%s”使用，不能启用。请先把本窗口改成别的窗口号", w.Number, o.Name)
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

func (s *Admin) staffMember(ctx context.Context, id int64) (app.Staff, error) {
	st, err := s.st.StaffByID(ctx, id)
	if errors.Is(err, app.ErrNotFound) {
		return app.Staff{}, &app.UserError{Code: "unknown_staff", Msg: "没有这名工作人员，请刷新后重试", Err: err}
	}
	return st, err
}

// otherActiveManagers counts the active managers other than id.
func (s *Admin) otherActiveManagers(ctx context.Context, id int64) (int, error) {
	all, err := s.st.AllStaff(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range all {
		if x.ID != id && x.Active && x.Role == app.RoleManager {
			n++
		}
	}
	return n, nil
}

func lastManager(err error) error {
	if errors.Is(err, app.ErrLastManager) {
		return &app.UserError{Code: "last_manager", Msg: "中心至少要有一名在用的中心负责人，不能停用或改变最后一名负责人的角色", Err: err}
	}
	return err
}

// UpdateStaff changes a staff member's name and role (not the 工号, which
// ratings and logs refer to, nor st.Active: SetStaffActive does that). A
// manager cannot change their own role, and the last active manager stays
// a manager. Manager only.
func (s *Admin) UpdateStaff(ctx context.Context, actor *app.Staff, st app.Staff) (app.Staff, error) {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return app.Staff{}, err
	}
	was, err := s.staffMember(ctx, st.ID)
	if err != nil {
		return app.Staff{}, err
	}
	st.Name = strings.TrimSpace(st.Name)
	switch {
	case st.Name == "":
		return app.Staff{}, app.Refuse("bad_staff", "姓名不能为空")
	case utf8.RuneCountInString(st.Name) > maxStaffName:
		return app.Staff{}, app.Refuse("bad_staff", "姓名不能超过 %d 个字", maxStaffName)
	case st.Role != app.RoleClerk && st.Role != app.RoleManager:
		return app.Staff{}, app.Refuse("bad_staff", "角色只能是窗口工作人员或中心负责人")
	case st.ID == actor.ID && st.Role != was.Role:
		return app.Staff{}, app.Refuse("self_role", "不能更改自己的角色；请另一名中心负责人操作")
	}
	if was.Role == app.RoleManager && st.Role != app.RoleManager && was.Active {
		n, err := s.otherActiveManagers(ctx, st.ID)
		if err != nil {
			return app.Staff{}, err
		}
		if n == 0 {
			return app.Staff{}, lastManager(app.ErrLastManager)
		}
	}
	out := was
	out.Name, out.Role = st.Name, st.Role
	a := s.audit(actor, "edit_staff", "%s %s（%s） → %s（%s）", was.No, was.Name, was.Role.Name(), out.Name, out.Role.Name())
	if err := as.UpdateStaff(ctx, out, a); err != nil {
		return app.Staff{}, lastManager(err)
	}
	out.PINHash = ""
	return out, nil
}

// SetStaffActive deactivates (停用) or reactivates (启用) a staff member.
// Staff are never deleted: ratings name them. Deactivating clears their AB
// posts; they can no longer sign in. A manager cannot deactivate themself,
// nor the last active manager. Manager only.
func (s *Admin) SetStaffActive(ctx context.Context, actor *app.Staff, id int64, active bool) error {
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
			return app.Refuse("self_deactivate", "不能停用自己的账号；请另一名中心负责人操作")
		}
		if st.Role == app.RoleManager {
			n, err := s.otherActiveManagers(ctx, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return lastManager(app.ErrLastManager)
			}
		}
	}
	st.Active = active
	return lastManager(as.UpdateStaff(ctx, st, s.audit(actor, action, "%s %s", st.No, st.Name)))
}

// ResetPIN sets a new PIN for a staff member who forgot theirs (the rules
// of AddStaff: 4 to 12 digits). The PIN is never logged. Manager only.
func (s *Admin) ResetPIN(ctx context.Context, actor *app.Staff, id int64, pin string) error {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return err
	}
	st, err := s.staffMember(ctx, id)
	if err != nil {
		return err
	}
	h, err := app.HashPIN(pin)
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
func (s *Admin) SetPosts(ctx context.Context, actor *app.Staff, windowID, a, b int64) error {
	as, _, w, err := s.managerWindow(ctx, actor, windowID)
	if err != nil {
		return err
	}
	if !w.Active {
		return app.Refuse("window_inactive", "%d号窗口已停用，不能安排岗位", w.Number)
	}
	if a != 0 && a == b {
		return app.Refuse("same_post", "A岗和B岗不能是同一个人：B岗在A岗不在时顶岗")
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
			return app.Refuse("staff_inactive", "%s %s 已停用，不能安排岗位", st.No, st.Name)
		}
		names[i] = st.No + " " + st.Name
	}
	return as.SetPosts(ctx, windowID, a, b, s.audit(actor, "set_posts", "%d号窗口 A岗 %s，B岗 %s", w.Number, names[0], names[1]))
}

// ---- queue categories ----

// checkCategory validates c against the stored categories and windows.
func checkCategory(c *app.QueueCategory, cats []app.QueueCategory, wins []app.Window) error {
	c.Prefix = strings.ToUpper(strings.TrimSpace(c.Prefix))
	c.Name = strings.TrimSpace(c.Name)
	if len(c.Prefix) != 1 || c.Prefix[0] < 'A' || c.Prefix[0] > 'Z' {
		return app.Refuse("bad_prefix", "号码字母应为一个大写英文字母（A–Z），例如 A")
	}
	if c.Name == "" {
		return app.Refuse("bad_category", "请填写业务名称，例如“综合受理”")
	}
	if utf8.RuneCountInString(c.Name) > maxCategoryName {
		return app.Refuse("bad_category", "业务名称不能超过 %d 个字（取号机按钮上要放得下）", maxCategoryName)
	}
	for _, o := range cats {
		if o.ID == c.ID {
			continue
		}
		if o.Prefix == c.Prefix {
			return app.Refuse("duplicate_prefix", "字母 %s 已用于排队业务“%s”，请换一个字母", c.Prefix, o.Name)
		}
		if o.Name == c.Name {
			return app.Refuse("duplicate_category", "排队业务“%s”已存在（字母 %s）", o.Name, o.Prefix)
		}
	}
	if len(c.Windows) == 0 {
		return app.Refuse("no_windows", "请至少选择一个办理该业务的窗口")
	}
	if len(c.Windows) > maxWindowsPerCat {
		return app.Refuse("bad_category", "一个业务最多 %d 个窗口", maxWindowsPerCat)
	}
	seen := map[int64]bool{}
	for _, id := range c.Windows {
		w, err := findWindow(wins, id)
		if err != nil {
			return err
		}
		if !w.Active {
			return app.Refuse("window_inactive", "%d号窗口已停用，不能办理排队业务", w.Number)
		}
		if seen[id] {
			return app.Refuse("bad_category", "%d号窗口选了两次", w.Number)
		}
		seen[id] = true
	}
	return nil
}

func duplicatePrefix(err error, prefix string) error {
	if errors.Is(err, app.ErrDuplicate) {
		return &app.UserError{Code: "duplicate_prefix", Msg: fmt.Sprintf("字母 %s 已被其他排队业务使用，请换一个字母", prefix), Err: err}
	}
	return err
}

func (s *Admin) categoryInput(ctx context.Context, c *app.QueueCategory) ([]app.QueueCategory, []app.Window, error) {
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

func windowNumbers(ids []int64, wins []app.Window) string {
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
func (s *Admin) AddCategory(ctx context.Context, actor *app.Staff, c app.QueueCategory) (app.QueueCategory, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return app.QueueCategory{}, err
	}
	c.ID = 0
	_, wins, err := s.categoryInput(ctx, &c)
	if err != nil {
		return app.QueueCategory{}, err
	}
	if c.ID, err = s.st.AddCategory(ctx, c); err != nil {
		return app.QueueCategory{}, duplicatePrefix(err, c.Prefix)
	}
	s.addAudit(ctx, s.audit(actor, "add_category", "%s %s 窗口 %s", c.Prefix, c.Name, windowNumbers(c.Windows, wins)))
	s.hallChanged()
	return c, nil
}

// UpdateCategory changes a category's letter, name and windows (replaced,
// in the order given). Manager only.
func (s *Admin) UpdateCategory(ctx context.Context, actor *app.Staff, c app.QueueCategory) (app.QueueCategory, error) {
	as, err := s.managerAdmin(ctx, actor)
	if err != nil {
		return app.QueueCategory{}, err
	}
	cats, wins, err := s.categoryInput(ctx, &c)
	if err != nil {
		return app.QueueCategory{}, err
	}
	i := slices.IndexFunc(cats, func(o app.QueueCategory) bool { return o.ID == c.ID })
	if i < 0 {
		return app.QueueCategory{}, &app.UserError{Code: "unknown_category", Msg: "没有这个排队业务，请刷新后重试",
			Err: fmt.Errorf("category %d: %w", c.ID, app.ErrNotFound)}
	}
	was := cats[i]
	a := s.audit(actor, "edit_category", "%s %s 窗口 %s → %s %s 窗口 %s", was.Prefix, was.Name,
		windowNumbers(was.Windows, wins), c.Prefix, c.Name, windowNumbers(c.Windows, wins))
	if err := as.UpdateCategory(ctx, c, a); err != nil {
		return app.QueueCategory{}, duplicatePrefix(err, c.Prefix)
	}
	s.hallChanged()
	return c, nil
}

// ---- the 中心设置 screen's backend ----

// QueueConfig is the queue's settings side: *queue.Queue on the hub or a
// standalone PC.
type QueueConfig interface {
	Settings(ctx context.Context) (app.QueueSettings, error)
	SaveSettings(ctx context.Context, s app.QueueSettings) error
}

// Admin is what the manager's 中心设置 screen calls: the centre's setup and
// the queue's settings, manager only. Open it only where the centre's
// database is (the hub or a standalone PC): a counter's copy of the setup is
// replaced by the hub's.
type Admin struct {
	svc   *app.Service // the clock, the log, AddStaff's PIN rules
	st    Store
	Queue QueueConfig
	// hall tells the hall displays and kiosks to refetch the setup (nil:
	// the queue cannot publish, as on a PC without the hall).
	hall func()
}

// New returns the setup backend on the centre's store st, with svc's clock,
// log and staff rules, and the queue q. When q can publish to the hall (the
// hub's queue), every change to windows and categories tells the hall
// displays and kiosks to refetch.
func New(svc *app.Service, st Store, q QueueConfig) *Admin {
	a := &Admin{svc: svc, st: st, Queue: q}
	if p, ok := q.(interface {
		Publish(app.HallEvent) app.HallEvent
	}); ok {
		a.hall = func() { p.Publish(app.HallEvent{Kind: app.EventWindow}) }
	}
	return a
}

// hallChanged tells the hall that windows or categories changed.
func (s *Admin) hallChanged() {
	if s.hall != nil {
		s.hall()
	}
}

// AddStaff adds a staff member with their first PIN (app.Service.AddStaff's
// rules). Manager only.
func (s *Admin) AddStaff(ctx context.Context, actor *app.Staff, st app.Staff, pin string) (app.Staff, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return app.Staff{}, err
	}
	return s.svc.AddStaff(ctx, actor, st, pin)
}

// QueueSettings returns the queue settings. Manager only.
func (s *Admin) QueueSettings(ctx context.Context, actor *app.Staff) (app.QueueSettings, error) {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return app.QueueSettings{}, err
	}
	return s.Queue.Settings(ctx)
}

// SaveQueueSettings validates and stores the queue settings (Queue.SaveSettings
// tells the hall displays), with an audit entry. Manager only.
func (s *Admin) SaveQueueSettings(ctx context.Context, actor *app.Staff, set app.QueueSettings) error {
	if err := s.requireManagerNow(ctx, actor); err != nil {
		return err
	}
	if err := s.Queue.SaveSettings(ctx, set); err != nil {
		return err
	}
	s.addAudit(ctx, s.audit(actor, "queue_settings", "绿色通道 %d，隔夜保留 %t，语音 %d 次，通知 %d 字",
		set.PriorityRatio, set.KeepOvernight, set.Repeat, utf8.RuneCountInString(strings.TrimSpace(set.Notice))))
	return nil
}
