package storage

import (
	"reflect"
	"testing"
	"time"

	"bianmin/app"
)

// TestTicketsIssued: tickets read back as stored, bounded by issued_at (not
// by the day key alone), oldest first, zero times for steps not taken.
func TestTicketsIssued(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	day := func(tm time.Time) string { return tm.Format(time.DateOnly) }
	march1 := time.Date(2025, 3, 1, 0, 0, 0, 0, app.ChinaTime)
	in := []app.Ticket{
		// The last minute of February: out.
		{CategoryID: f.cat, Number: "A099", Day: "2025-02-28", IssuedAt: march1.Add(-time.Minute)},
		// Served, priority.
		{CategoryID: f.cat, Number: "A001", Day: day(t0), Priority: true, IssuedAt: t0, CalledAt: t0.Add(7 * time.Minute),
			WindowID: f.win1, ClerkID: f.clerk1, ServedAt: t0.Add(8 * time.Minute), DoneAt: t0.Add(20 * time.Minute)},
		// Called, did not come.
		{CategoryID: f.cat, Number: "A002", Day: day(t0), IssuedAt: t0.Add(time.Minute), CalledAt: t0.Add(9 * time.Minute),
			WindowID: f.win2, ClerkID: f.clerk2, NoShow: true},
		// Never called.
		{CategoryID: f.cat, Number: "A003", Day: day(t0), IssuedAt: t0.Add(-time.Hour)},
		// The first instant of April: out.
		{CategoryID: f.cat, Number: "A001", Day: "2025-04-01", IssuedAt: march1.AddDate(0, 1, 0)},
	}
	for i := range in {
		id, err := d.AddTicket(ctx, in[i])
		if err != nil {
			t.Fatal(err)
		}
		in[i].ID = id
	}
	got, err := d.TicketsIssued(ctx, march1, march1.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []app.Ticket{in[3], in[1], in[2]}
	if len(got) != len(want) {
		t.Fatalf("%d tickets: %+v", len(got), got)
	}
	for i := range want {
		w := want[i]
		for _, tm := range []*time.Time{&w.IssuedAt, &w.CalledAt, &w.ServedAt, &w.DoneAt} {
			*tm = norm(*tm)
		}
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("ticket %d\n got %+v\nwant %+v", i, got[i], w)
		}
	}
	if got, err := d.TicketsIssued(ctx, march1.AddDate(1, 0, 0), march1.AddDate(1, 1, 0)); err != nil || len(got) != 0 {
		t.Errorf("empty month: %v %v", got, err)
	}
}
