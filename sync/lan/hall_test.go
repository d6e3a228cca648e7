package lan

import (
	"testing"

	"bianmin/app"
	"bianmin/app/apptest"
	"bianmin/app/queue"
	"bianmin/storage"
)

// testCategory is the category every window of openTestHall serves;
// testCategoryB is served by window 1 only.
const (
	testCategory  = apptest.CategoryA
	testCategoryB = apptest.CategoryB
)

// openTestHall is the centre's real queue (queue.Queue) on a SQLite file at
// dbPath, set up on first use by apptest.SetUpHall: windows 1..n (clerk i
// signed in at window i is staff i), category A for every window and B for
// window 1.
func openTestHall(t testing.TB, dbPath string, windows int) *queue.Queue {
	t.Helper()
	d, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return apptest.SetUpHall(t, d, windows, app.SystemClock{})
}
