package memstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/app/demo/memstore"
)

// A group of transactions is stored all or none, as storage.DB stores it:
// a second row that cannot be stored leaves the first unstored too.
func TestGroupAllOrNone(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, app.ChinaTime)
	if _, err := st.AddTransaction(ctx, app.Transaction{Serial: "S1", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	_, err := st.AddTransactionGroup(ctx, []app.Transaction{{IsTheme: true, CreatedAt: at}, {Serial: "S1", CreatedAt: at}},
		app.AuditEntry{Action: "register"})
	if err == nil {
		t.Fatal("a group with a taken serial was stored")
	}
	all := st.AllTransactions()
	if len(all) != 1 {
		t.Fatalf("%d transactions after a refused group, want the 1 before it", len(all))
	}
	if log, _ := st.AuditLog(ctx, time.Time{}, time.Time{}); len(log) != 0 {
		t.Fatalf("audit of a refused group: %+v", log)
	}
	out, err := st.AddTransactionGroup(ctx, []app.Transaction{{IsTheme: true, CreatedAt: at}, {CreatedAt: at}, {CreatedAt: at}},
		app.AuditEntry{Action: "register"})
	if err != nil || len(out) != 3 || out[1].ThemeParentID != out[0].ID || out[2].ThemeParentID != out[0].ID {
		t.Fatalf("theme group: %+v %v", out, err)
	}
}

// The store keys ID numbers with a key of its own, not one written in the
// source: two centres hash one ID number differently, one centre alike.
func TestIDKeyIsTheStoresOwn(t *testing.T) {
	ctx := context.Background()
	a, b := memstore.New(), memstore.New()
	ka, err := a.IDHashKey(ctx)
	if err != nil || len(ka) < 32 {
		t.Fatalf("key %x %v", ka, err)
	}
	again, _ := a.IDHashKey(ctx)
	kb, _ := b.IDHashKey(ctx)
	if !bytes.Equal(ka, again) || bytes.Equal(ka, kb) {
		t.Fatalf("keys: %x then %x; another store %x", ka, again, kb)
	}
	const id = "11010519491231002X"
	if app.HashID(ka, id) == app.HashID(kb, id) {
		t.Fatal("two centres' keys hash an ID number alike")
	}
}

// The last active manager cannot be deactivated or made a clerk; a
// deactivated member loses their posts.
func TestLastManagerAndPosts(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	mgr, _ := st.AddStaff(ctx, app.Staff{No: "0001", Name: "负责人", Role: app.RoleManager, Active: true})
	clerk, _ := st.AddStaff(ctx, app.Staff{No: "0002", Name: "窗口", Role: app.RoleClerk, Active: true})
	win, _ := st.AddWindow(ctx, app.Window{Number: 1, Name: "1号窗口", Active: true})
	if err := st.UpdateStaff(ctx, app.Staff{ID: mgr, Name: "负责人", Role: app.RoleClerk, Active: true}, app.AuditEntry{}); !errors.Is(err, app.ErrLastManager) {
		t.Fatalf("last manager made a clerk: %v", err)
	}
	if s, _ := st.StaffByID(ctx, mgr); s.Role != app.RoleManager {
		t.Fatalf("refused change kept: %+v", s)
	}
	if err := st.SetPosts(ctx, win, clerk, mgr, app.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateStaff(ctx, app.Staff{ID: clerk, Name: "窗口", Role: app.RoleClerk}, app.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	posts, _ := st.Posts(ctx)
	if len(posts) != 1 || posts[0].StaffID != mgr || posts[0].Post != "B" {
		t.Fatalf("posts after deactivating the A clerk: %+v", posts)
	}
	if err := st.SetPosts(ctx, win, clerk, 0, app.AuditEntry{}); err == nil {
		t.Fatal("a deactivated member was given a post")
	}
}
