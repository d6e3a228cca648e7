// Package testcentre opens a centre for tests: a real SQLite file in the
// test's temporary folder, a fake clock, the national profile and the first
// manager (0001 王主任, PIN 123456), the way `bianmin init` leaves a centre
// before anything is set up.
package testcentre

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
)

// Centre is an open test centre; its database closes when the test ends.
type Centre struct {
	DB      *storage.DB
	Clock   *app.FakeClock
	Svc     *app.Service
	Manager app.Staff
}

// New opens a centre named name (with area code 370911105000) whose clock
// stands at now.
func New(t testing.TB, name string, now time.Time) *Centre {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := app.NewFakeClock(now)
	db.SetClock(clock)
	p, err := app.LoadProfile("national", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := app.NewService(db, clock, p, app.NewCalendar(), nil)
	if err := db.SaveCentre(ctx, app.Centre{Name: name, AreaCode: "370911105000", Profile: "national"}); err != nil {
		t.Fatal(err)
	}
	m, err := svc.BootstrapManager(ctx, app.Staff{No: "0001", Name: "王主任"}, "123456")
	if err != nil {
		t.Fatal(err)
	}
	return &Centre{DB: db, Clock: clock, Svc: svc, Manager: m}
}
