// Package apptest builds real app parts for other packages' tests, so they
// test against the queue the centre runs rather than a fake of it: a hall
// (queue.Queue) with its windows, clerks and categories, on SQLite or in
// memory (memstore).
package apptest

import (
	"context"
	"fmt"
	"testing"

	"bianmin/app"
	"bianmin/app/demo/memstore"
	"bianmin/app/queue"
)

// The categories SetUpHall stores.
const (
	CategoryA int64 = 1 // A 综合受理, served by every window
	CategoryB int64 = 2 // B 社保医保, served by window 1
)

// HallStore is what setting up a hall needs of a store: storage.DB and
// memstore.Store have it.
type HallStore interface {
	app.QueueStore
	Windows(ctx context.Context) ([]app.Window, error)
	AddWindow(ctx context.Context, w app.Window) (int64, error)
	AddCategory(ctx context.Context, c app.QueueCategory) (int64, error)
	AddStaff(ctx context.Context, s app.Staff) (int64, error)
}

// SetUpHall stores, on a store with no windows yet, windows 1..n (window i
// with clerk i, 工号 000i) and the two categories, and returns the queue on
// st. A store that has windows is left as it is (a hub reopened).
func SetUpHall(tb testing.TB, st HallStore, windows int, clk app.Clock) *queue.Queue {
	tb.Helper()
	ctx := context.Background()
	ws, err := st.Windows(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if len(ws) == 0 {
		var ids []int64
		for i := 1; i <= windows; i++ {
			if _, err := st.AddStaff(ctx, app.Staff{No: fmt.Sprintf("%04d", i), Name: fmt.Sprintf("窗口%d人员", i),
				Role: app.RoleClerk, Active: true}); err != nil {
				tb.Fatal(err)
			}
			id, err := st.AddWindow(ctx, app.Window{Number: i, Name: fmt.Sprintf("%d号窗口", i), Kind: "综合受理", Active: true})
			if err != nil {
				tb.Fatal(err)
			}
			ids = append(ids, id)
		}
		if id, err := st.AddCategory(ctx, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: ids}); err != nil || id != CategoryA {
			tb.Fatalf("category A: %d %v", id, err)
		}
		if id, err := st.AddCategory(ctx, app.QueueCategory{Prefix: "B", Name: "社保医保", Windows: ids[:1]}); err != nil || id != CategoryB {
			tb.Fatalf("category B: %d %v", id, err)
		}
	}
	return queue.New(st, clk, nil)
}

// MemHall is SetUpHall on a new in-memory store, with the system clock.
func MemHall(tb testing.TB, windows int) *queue.Queue {
	tb.Helper()
	return SetUpHall(tb, memstore.New(), windows, app.SystemClock{})
}
