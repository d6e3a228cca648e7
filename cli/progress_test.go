package cli

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/wire"
)

// The window's progress bars hear the report, the binder of work orders, the
// ledger export and the call-back draw step by step, in order, to the end.
func TestLongWorkReportsProgress(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bianmin.db")
	demoDB(t, db, 70, 0, reportEnd)
	ctx := context.Background()
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	svc.Clock = fixedClock{reportEnd}
	mgr, err := firstManager(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	steps := func(name string, run func(ctx context.Context) error) [][2]int {
		t.Helper()
		var got [][2]int
		if err := run(app.WithProgress(ctx, func(done, total int) { got = append(got, [2]int{done, total}) })); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := 1; i < len(got); i++ {
			if got[i][0] < got[i-1][0] || got[i][1] != got[0][1] {
				t.Errorf("%s: progress went %v", name, got)
			}
		}
		return got
	}

	got := steps("report", func(ctx context.Context) error {
		_, _, err := RenderMonthReport(ctx, svc, time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime), "测试", true)
		return err
	})
	if len(got) != 4 || got[3] != [2]int{3, 3} {
		t.Errorf("report progress %v, want 0..3 of 3", got)
	}
	orders, err := svc.Records().WorkOrders(ctx, app.OrderFilter{})
	if err != nil || len(orders) < 3 {
		t.Fatalf("orders %d %v", len(orders), err)
	}
	ids := []int64{orders[0].ID, orders[1].ID, orders[2].ID}
	got = steps("work orders", func(ctx context.Context) error { return RenderWorkOrders(ctx, svc, mgr, ids, io.Discard) })
	if len(got) != 5 || got[4] != [2]int{4, 4} {
		t.Errorf("work-order progress %v, want 0..4 of 4", got)
	}
	got = steps("ledger export", func(ctx context.Context) error {
		_, _, err := RenderLedgerXLSX(ctx, svc, mgr, app.LedgerFilter{})
		return err
	})
	if len(got) == 0 || got[0] != [2]int{0, len(orders)} {
		t.Errorf("ledger export progress %v over %d orders", got, len(orders))
	}
	got = steps("call-back draw", func(ctx context.Context) error {
		_, err := svc.CallbackSample(ctx, mgr, app.Quarter{Year: 2026, Q: 4}, 5, 1)
		return err
	})
	if len(got) == 0 || got[0][0] != 0 {
		t.Errorf("call-back draw progress %v", got)
	}
}
