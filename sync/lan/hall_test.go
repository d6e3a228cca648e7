package lan

import (
	"context"
	"fmt"
	"testing"

	"bianmin/app"
	"bianmin/storage"
)

// testCategory is the category every window of openTestHall serves;
// testCategoryB is served by window 1 only.
const (
	testCategory  = 1
	testCategoryB = 2
)

// openTestHall is the centre's real queue (app.Queue) on a SQLite file at
// dbPath, set up on first use with windows 1..n (clerk i signed in at
// window i is staff i), category A for every window and B for window 1.
func openTestHall(t testing.TB, dbPath string, windows int) *app.Queue {
	t.Helper()
	ctx := context.Background()
	d, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ws, err := d.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 {
		var ids []int64
		for i := 1; i <= windows; i++ {
			if _, err := d.AddStaff(ctx, app.Staff{No: fmt.Sprintf("%04d", i), Name: fmt.Sprintf("窗口%d人员", i),
				Role: app.RoleClerk, Active: true}); err != nil {
				t.Fatal(err)
			}
			id, err := d.AddWindow(ctx, app.Window{Number: i, Name: fmt.Sprintf("%d号窗口", i), Kind: "综合受理", Active: true})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if id, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "A", Name: "综合受理", Windows: ids}); err != nil || id != testCategory {
			t.Fatalf("category A: %d %v", id, err)
		}
		if id, err := d.AddCategory(ctx, app.QueueCategory{Prefix: "B", Name: "社保医保", Windows: ids[:1]}); err != nil || id != testCategoryB {
			t.Fatalf("category B: %d %v", id, err)
		}
	}
	return app.NewQueue(d, app.SystemClock{}, nil)
}
