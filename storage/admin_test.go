package storage

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bianmin/app"
)

func adminAuditActions(t *testing.T, d *DB) []string {
	t.Helper()
	log, err := d.AuditLog(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range log {
		out = append(out, a.Action)
	}
	return out
}

func adminAudit(action string) app.AuditEntry {
	return app.AuditEntry{At: t0, Action: action, Detail: "test"}
}

func TestAdminUpdateWindow(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	w := app.Window{ID: f.win2, Number: 5, Name: "惠企政策窗口", Kind: app.WindowBusiness, Active: true}
	if err := d.UpdateWindow(ctx, w, adminAudit("edit_window")); err != nil {
		t.Fatal(err)
	}
	// Number 1 is taken by an active window: the index refuses it.
	err := d.UpdateWindow(ctx, app.Window{ID: f.win2, Number: 1, Name: "x", Kind: "x", Active: true}, adminAudit("edit_window"))
	if !errors.Is(err, app.ErrDuplicate) {
		t.Fatalf("second active window 1: err = %v, want ErrDuplicate", err)
	}
	// Deactivated, window 1 frees its number; the row stays.
	w1 := app.Window{ID: f.win1, Number: 1, Name: "综合受理窗口", Kind: app.WindowGeneral, Active: false}
	if err := d.UpdateWindow(ctx, w1, adminAudit("deactivate_window")); err != nil {
		t.Fatal(err)
	}
	if err := d.UpdateWindow(ctx, app.Window{ID: f.win2, Number: 1, Name: "惠企政策窗口", Kind: app.WindowBusiness, Active: true},
		adminAudit("edit_window")); err != nil {
		t.Fatalf("number of an inactive window: %v", err)
	}
	wins, err := d.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(wins) != 2 || wins[0].ID != f.win1 || wins[0].Active || wins[1].Name != "惠企政策窗口" || wins[1].Number != 1 {
		t.Errorf("windows = %+v", wins)
	}
	if err := d.UpdateWindow(ctx, app.Window{ID: 99, Number: 9, Name: "x", Kind: "x"}, adminAudit("edit_window")); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown window: err = %v, want ErrNotFound", err)
	}
	// The refused and failed changes wrote no audit entry.
	if got := adminAuditActions(t, d); !slices.Equal(got, []string{"edit_window", "deactivate_window", "edit_window"}) {
		t.Errorf("audit = %q", got)
	}
}

func TestAdminUpdateStaffKeepsAManager(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	if err := d.SetPosts(ctx, f.win1, f.clerk1, f.clerk2, adminAudit("set_posts")); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPosts(ctx, f.win2, f.clerk2, 0, adminAudit("set_posts")); err != nil {
		t.Fatal(err)
	}
	// Deactivating 李四 clears both of his posts and keeps the others.
	s, err := d.StaffByID(ctx, f.clerk2)
	if err != nil {
		t.Fatal(err)
	}
	s.Active, s.Name = false, "李四（离职）"
	if err := d.UpdateStaff(ctx, s, adminAudit("deactivate_staff")); err != nil {
		t.Fatal(err)
	}
	posts, err := d.Posts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []app.Post{{WindowID: f.win1, StaffID: f.clerk1, Post: "A"}}; !slices.Equal(posts, want) {
		t.Errorf("posts = %+v, want %+v", posts, want)
	}
	got, err := d.StaffByID(ctx, f.clerk2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Active || got.Name != "李四（离职）" || got.No != "0002" || got.PINHash != "h2" {
		t.Errorf("staff = %+v", got)
	}

	// The only manager can be neither deactivated nor made a clerk.
	m, _ := d.StaffByID(ctx, f.manager)
	m.Active = false
	if err := d.UpdateStaff(ctx, m, adminAudit("deactivate_staff")); !errors.Is(err, app.ErrLastManager) {
		t.Fatalf("deactivate last manager: err = %v", err)
	}
	m.Active, m.Role = true, app.RoleClerk
	if err := d.UpdateStaff(ctx, m, adminAudit("edit_staff")); !errors.Is(err, app.ErrLastManager) {
		t.Fatalf("demote last manager: err = %v", err)
	}
	if m2, _ := d.StaffByID(ctx, f.manager); !m2.Active || m2.Role != app.RoleManager {
		t.Errorf("manager after refusals = %+v", m2)
	}
	// With a second manager, the first may go.
	c1, _ := d.StaffByID(ctx, f.clerk1)
	c1.Role = app.RoleManager
	if err := d.UpdateStaff(ctx, c1, adminAudit("edit_staff")); err != nil {
		t.Fatal(err)
	}
	m.Role, m.Active = app.RoleManager, false
	if err := d.UpdateStaff(ctx, m, adminAudit("deactivate_staff")); err != nil {
		t.Fatal(err)
	}
	if err := d.UpdateStaff(ctx, app.Staff{ID: 99, Name: "x", Role: app.RoleClerk}, adminAudit("edit_staff")); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown staff: err = %v", err)
	}
	want := []string{"set_posts", "set_posts", "deactivate_staff", "edit_staff", "deactivate_staff"}
	if got := adminAuditActions(t, d); !slices.Equal(got, want) {
		t.Errorf("audit = %q, want %q", got, want)
	}
}

func TestAdminSetPINAndPosts(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	if err := d.SetPIN(ctx, f.clerk1, "new-hash", adminAudit("reset_pin")); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.StaffByID(ctx, f.clerk1); s.PINHash != "new-hash" {
		t.Errorf("pin hash = %q", s.PINHash)
	}
	if err := d.SetPIN(ctx, 99, "x", adminAudit("reset_pin")); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown staff: err = %v", err)
	}
	if err := d.SetPosts(ctx, f.win1, f.clerk1, f.clerk2, adminAudit("set_posts")); err != nil {
		t.Fatal(err)
	}
	// Swap A and B, then leave B vacant.
	if err := d.SetPosts(ctx, f.win1, f.clerk2, f.clerk1, adminAudit("set_posts")); err != nil {
		t.Fatal(err)
	}
	posts, _ := d.Posts(ctx)
	if want := []app.Post{{WindowID: f.win1, StaffID: f.clerk2, Post: "A"}, {WindowID: f.win1, StaffID: f.clerk1, Post: "B"}}; !slices.Equal(posts, want) {
		t.Errorf("posts = %+v, want %+v", posts, want)
	}
	if err := d.SetPosts(ctx, f.win1, f.clerk2, 0, adminAudit("set_posts")); err != nil {
		t.Fatal(err)
	}
	posts, _ = d.Posts(ctx)
	if want := []app.Post{{WindowID: f.win1, StaffID: f.clerk2, Post: "A"}}; !slices.Equal(posts, want) {
		t.Errorf("posts = %+v, want %+v", posts, want)
	}
	// An unknown or a deactivated member is refused: nothing changes, no audit.
	if err := d.SetPosts(ctx, f.win1, 0, 99, adminAudit("set_posts")); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("post for unknown staff: err = %v", err)
	}
	c1, _ := d.StaffByID(ctx, f.clerk1)
	c1.Active = false
	if err := d.UpdateStaff(ctx, c1, adminAudit("deactivate_staff")); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPosts(ctx, f.win1, f.clerk2, f.clerk1, adminAudit("set_posts")); err == nil {
		t.Error("post for a deactivated member stored")
	}
	if p, _ := d.Posts(ctx); len(p) != 1 {
		t.Errorf("posts after failed change = %+v", p)
	}
	if got := adminAuditActions(t, d); !slices.Equal(got, []string{"reset_pin", "set_posts", "set_posts", "set_posts", "deactivate_staff"}) {
		t.Errorf("audit = %q", got)
	}
}

func TestAdminUpdateCategory(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	b, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "B", Name: "社保", Windows: []int64{f.win2}})
	if err != nil {
		t.Fatal(err)
	}
	// Reorder A's windows and rename it.
	if err := d.UpdateCategory(ctx, app.QueueCategory{ID: f.cat, Prefix: "C", Name: "综合业务", Windows: []int64{f.win2, f.win1}},
		adminAudit("edit_category")); err != nil {
		t.Fatal(err)
	}
	// B cannot take letter C; the failed change leaves B as it was.
	err = d.UpdateCategory(ctx, app.QueueCategory{ID: b, Prefix: "C", Name: "社保医保", Windows: []int64{f.win1}}, adminAudit("edit_category"))
	if !errors.Is(err, app.ErrDuplicate) {
		t.Fatalf("duplicate prefix: err = %v", err)
	}
	// An unknown window fails the foreign key, and the old windows stay.
	if err := d.UpdateCategory(ctx, app.QueueCategory{ID: b, Prefix: "B", Name: "社保", Windows: []int64{f.win1, 99}},
		adminAudit("edit_category")); err == nil {
		t.Fatal("unknown window stored")
	}
	cats, err := d.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.QueueCategory{
		{ID: f.cat, Prefix: "C", Name: "综合业务", Windows: []int64{f.win2, f.win1}},
		{ID: b, Prefix: "B", Name: "社保", Windows: []int64{f.win2}},
	}
	if len(cats) != 2 || !adminCatEqual(cats[0], want[0]) || !adminCatEqual(cats[1], want[1]) {
		t.Errorf("categories = %+v, want %+v", cats, want)
	}
	if err := d.UpdateCategory(ctx, app.QueueCategory{ID: 99, Prefix: "Z", Name: "x"}, adminAudit("edit_category")); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown category: err = %v", err)
	}
	if got := adminAuditActions(t, d); !slices.Equal(got, []string{"edit_category"}) {
		t.Errorf("audit = %q", got)
	}
}

func adminCatEqual(a, b app.QueueCategory) bool {
	return a.ID == b.ID && a.Prefix == b.Prefix && a.Name == b.Name && slices.Equal(a.Windows, b.Windows)
}

// The changes are on disk: a second open of the file reads them.
func TestAdminChangesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "centre.db")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := seed(t, d)
	if err := d.UpdateWindow(ctx, app.Window{ID: f.win1, Number: 7, Name: "跨域通办窗口", Kind: app.WindowCross, Active: true},
		adminAudit("edit_window")); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	wins, _ := d2.Windows(ctx)
	if len(wins) == 0 || wins[len(wins)-1].Number != 7 || wins[len(wins)-1].Kind != app.WindowCross {
		t.Errorf("windows after reopen = %+v", wins)
	}
}
