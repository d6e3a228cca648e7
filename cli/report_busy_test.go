package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/wire"
)

// The demo generator's six windows serve at most ~180 transactions a working
// day. A busy centre (the benchmark: ~6,000 transactions a month) is
// written here straight through the storage API, without the rules: tickets,
// finished transactions, one window rating each (active or 未评), and a work
// order for every bad review in assorted states.
const busyPerDay = 275 // × ~22 working days ≈ 6,000 transactions a month

var busyFrom = time.Date(2025, 10, 1, 0, 0, 0, 0, app.ChinaTime)
var busyTo = time.Date(2026, 11, 1, 0, 0, 0, 0, app.ChinaTime)

// busyCentreDB returns the path of the busy centre (Oct 2025 – Oct 2026),
// built once into the system temp directory (about three minutes).
func busyCentreDB(b testing.TB) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("bianmin-report-busy-%dpd-v1.db", busyPerDay))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + s)
	}
	began := time.Now()
	n, err := buildBusyCentre(tmp)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s in %v: %d transactions", path, time.Since(began).Round(time.Second), n)
	return path
}

func buildBusyCentre(path string) (int, error) {
	ctx := context.Background()
	if _, err := wire.InitCentre(ctx, path, "national", "繁忙镇便民服务中心", "370911105000", wire.Manager{}, false, nil); err != nil {
		return 0, err
	}
	d, err := storage.Open(path)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	const nWin, nClerk, nItem = 10, 20, 60
	var wins, clerks []int64
	for i := 1; i <= nWin; i++ {
		id, err := d.AddWindow(ctx, app.Window{Number: i, Name: "综合受理窗口", Kind: "综合受理", Active: true})
		if err != nil {
			return 0, err
		}
		wins = append(wins, id)
	}
	for i := 1; i <= nClerk; i++ {
		id, err := d.AddStaff(ctx, app.Staff{No: fmt.Sprintf("%04d", 1000+i), Name: fmt.Sprintf("工作人员%02d", i), Role: app.RoleClerk, Active: true})
		if err != nil {
			return 0, err
		}
		clerks = append(clerks, id)
	}
	var items []string
	for i := 1; i <= nItem; i++ {
		code := fmt.Sprintf("SX%03d", i)
		if err := d.SaveItem(ctx, app.ServiceItem{Code: code, Name: fmt.Sprintf("便民服务事项第%d项（含较长的事项名称）", i), Instant: true, Active: true}); err != nil {
			return 0, err
		}
		items = append(items, code)
	}
	var cats []int64
	for i, name := range []string{"综合受理", "社保医保", "不动产登记", "民政事务"} {
		id, err := d.AddCategory(ctx, app.QueueCategory{Prefix: string(rune('A' + i)), Name: name})
		if err != nil {
			return 0, err
		}
		cats = append(cats, id)
	}
	rng := rand.New(rand.NewPCG(6000, 1))
	levels := []app.Level{5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 2, 1}
	channels := []app.Channel{app.ChannelKeypad, app.ChannelKeypad, app.ChannelKeypad, app.ChannelTablet, app.ChannelQR, app.ChannelPaper}
	states := []app.OrderState{app.OrderClosed, app.OrderClosed, app.OrderCalledBack, app.OrderRectified, app.OrderContacted, app.OrderOpen}
	total := 0
	for day := busyFrom; day.Before(busyTo); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		var evs []app.Evaluation
		var orders []app.WorkOrder
		var orderFor []int
		num := map[int64]int{}
		for i := 0; i < busyPerDay; i++ {
			w := rng.IntN(nWin)
			cat := cats[w%len(cats)]
			num[cat]++
			issued := day.Add(8*time.Hour + 30*time.Minute + time.Duration(rng.IntN(8*3600))*time.Second)
			called := issued.Add(time.Duration(rng.IntN(40*60)) * time.Second)
			done := called.Add(time.Duration(3*60+rng.IntN(25*60)) * time.Second)
			t := app.Ticket{CategoryID: cat, Number: fmt.Sprintf("%c%03d", 'A'+rune(w%len(cats)), num[cat]), Day: day.Format(time.DateOnly),
				Priority: rng.IntN(12) == 0, IssuedAt: issued, CalledAt: called, WindowID: wins[w], ClerkID: clerks[w*2+rng.IntN(2)]}
			if rng.IntN(30) == 0 {
				t.NoShow = true
			} else {
				t.ServedAt, t.DoneAt = called, done
			}
			tid, err := d.AddTicket(ctx, t)
			if err != nil {
				return total, err
			}
			if t.NoShow {
				continue
			}
			item := items[rng.IntN(nItem)]
			tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: item, BatchCount: 1, WindowID: t.WindowID, ClerkID: t.ClerkID,
				TicketID: tid, Status: app.TxCompleted, Visits: 1, CreatedAt: called, AcceptedAt: called, CompletedAt: done,
				ApplicantName: "某某"})
			if err != nil {
				return total, err
			}
			total++
			e := app.Evaluation{EventID: fmt.Sprintf("ev%d", tx.ID), TransactionID: tx.ID, Visit: 1, Dimension: app.DimWindow,
				WindowID: t.WindowID, ClerkID: t.ClerkID, ItemCode: item, Rater: app.RaterApplicant}
			switch r := rng.IntN(100); {
			case r < 90:
				e.Kind, e.Level, e.Channel = app.KindActive, levels[rng.IntN(len(levels))], channels[rng.IntN(len(channels))]
				e.RatedAt = done.Add(time.Duration(rng.IntN(600)) * time.Second)
			default:
				e.Kind, e.Level, e.Channel = app.KindTimeout, app.LevelNone, app.ChannelSystem
				e.Rater = ""
				e.RatedAt = done.AddDate(0, 0, 7)
			}
			evs = append(evs, e)
			if e.Kind == app.KindActive && e.Level <= app.LevelBad {
				st := states[rng.IntN(len(states))]
				o := app.WorkOrder{TransactionID: tx.ID, ClerkID: e.ClerkID, WindowID: e.WindowID, ItemCode: item,
					Category: app.CatStaff, State: st, CreatedAt: e.RatedAt,
					ContactDue: e.RatedAt.AddDate(0, 0, 3), FinishDue: e.RatedAt.AddDate(0, 0, 14)}
				if rng.IntN(4) == 0 {
					o.Category = app.CatItem
				}
				if st != app.OrderOpen {
					o.RepliedAt = e.RatedAt.Add(time.Duration(1+rng.IntN(90)) * time.Hour)
					o.Verdict = []app.Verdict{app.VerdictValid, app.VerdictValid, app.VerdictMistaken, app.VerdictPending}[rng.IntN(4)]
				}
				if st == app.OrderRectified || st == app.OrderCalledBack || st == app.OrderClosed {
					o.RectifiedAt = o.RepliedAt.Add(24 * time.Hour)
					o.OnSite = rng.IntN(5) == 0
				}
				if st == app.OrderCalledBack || st == app.OrderClosed {
					o.CalledBackAt = o.RectifiedAt.Add(24 * time.Hour)
					o.CallbackResult = []app.CallbackResult{app.CallbackSatisfied, app.CallbackSatisfied, app.CallbackBasic, app.CallbackNotSatisfied}[rng.IntN(4)]
				}
				if st == app.OrderClosed {
					o.ClosedAt = o.CalledBackAt.Add(time.Hour)
				}
				orders = append(orders, o)
				orderFor = append(orderFor, len(evs)-1)
			}
		}
		if _, err := d.AddEvaluations(ctx, evs, orders, orderFor, app.AuditEntry{At: day, Action: "bench"}); err != nil {
			return total, err
		}
	}
	return total, nil
}
