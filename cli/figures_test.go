package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"bianmin/app"
	"bianmin/wire"
)

// TestFiguresAgreeAcrossViews: on a demo month, every view of the month's
// figures says the same thing, because they are computed by the same code
// from the same rows: `bianmin stats --json`, Service.Stats, the monthly
// report (its figures, PDF and xlsx), the dashboard's trend, the ledger and
// its Excel export for the month's dates, and the clerk watch list of the
// ledger's 重点关注 as of the month's end against the report's; each view
// names its period.
func TestFiguresAgreeAcrossViews(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 70, 0, reportEnd)
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime)
	monthEnd := month.AddDate(0, 1, 0)

	// The CLI settles rating windows that have closed (未评) by the wall
	// clock, long after the demo's end: run it first so that every later
	// view reads the same settled rows.
	cliStats := statsJSONFor(t, db, month, "")
	if cliStats.Total == 0 || cliStats.BadOrders == 0 {
		t.Fatalf("demo month too empty: %+v", cliStats.Counts)
	}
	if cliStats.From != "2026-10-01" || cliStats.To != "2026-10-31" {
		t.Errorf("stats --json period %s to %s", cliStats.From, cliStats.To)
	}

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

	// The month's figures.
	stats, err := svc.Stats(ctx, month, monthEnd, app.ByNone)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := svc.MonthReport(ctx, month, "测试")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stats.Metrics, cliStats.Metrics) {
		t.Errorf("Service.Stats and stats --json differ:\n%+v\n%+v", stats.Counts, cliStats.Counts)
	}
	if !reflect.DeepEqual(rep.Summary, stats.Metrics) {
		t.Errorf("report summary and stats differ:\n%+v\n%+v", rep.Summary.Counts, stats.Counts)
	}
	if !rep.From.Equal(month) || !rep.To.Equal(monthEnd) {
		t.Errorf("report period %v to %v", rep.From, rep.To)
	}
	dash, err := svc.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var trend *app.TrendMonth
	for i := range dash.Trend {
		if dash.Trend[i].Month.Equal(month) {
			trend = &dash.Trend[i]
		}
	}
	if trend == nil {
		t.Fatalf("the dashboard's trend has no %s: %+v", month.Format("2006-01"), dash.Trend)
	}
	if !reflect.DeepEqual(trend.GoodRate, stats.GoodRate) || trend.ValidBad != stats.ValidBad || trend.Transactions != stats.Transactions {
		t.Errorf("dashboard trend %s: 好评率 %v 有效差评 %d 办件 %d; stats %v %d %d", month.Format("2006-01"),
			ptrVal(trend.GoodRate), trend.ValidBad, trend.Transactions, ptrVal(stats.GoodRate), stats.ValidBad, stats.Transactions)
	}

	// The month's bad reviews: the report's list, the stats' count, the
	// ledger for the month's dates and its Excel export.
	var reportIDs []int64
	for _, o := range rep.Orders {
		reportIDs = append(reportIDs, o.ID)
	}
	sort.Slice(reportIDs, func(i, j int) bool { return reportIDs[i] < reportIDs[j] })
	if len(reportIDs) != stats.BadOrders {
		t.Errorf("report lists %d orders, stats counts %d 差评件", len(reportIDs), stats.BadOrders)
	}
	f := app.LedgerFilter{From: month, To: monthEnd}
	entries, err := svc.Ledger(ctx, mgr, f)
	if err != nil {
		t.Fatal(err)
	}
	rated, err := svc.Records().RatedOrders(ctx, month, monthEnd)
	if err != nil {
		t.Fatal(err)
	}
	correctedGood := map[int64]bool{}
	for _, o := range rated {
		correctedGood[o.ID] = o.CorrectedTo.Valid() && !svc.Profile.IsBad(o.CorrectedTo)
	}
	var ledgerIDs []int64
	for _, e := range entries {
		if !correctedGood[e.Order.ID] { // shown in the ledger with its correction; not a 差评件
			ledgerIDs = append(ledgerIDs, e.Order.ID)
		}
	}
	sort.Slice(ledgerIDs, func(i, j int) bool { return ledgerIDs[i] < ledgerIDs[j] })
	if !reflect.DeepEqual(ledgerIDs, reportIDs) {
		t.Errorf("ledger for %s lists orders %v\nthe report %v", month.Format("2006-01"), ledgerIDs, reportIDs)
	}
	b, n, err := RenderLedgerXLSX(ctx, svc, mgr, f)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(entries) {
		t.Errorf("ledger export has %d orders, the ledger %d", n, len(entries))
	}
	lx, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := lx.GetRows(LedgerSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var exported []int64
	for _, r := range rows[1:] {
		id, err := strconv.ParseInt(r[0], 10, 64)
		if err != nil {
			t.Fatalf("ledger export row %q", r)
		}
		if !correctedGood[id] {
			exported = append(exported, id)
		}
	}
	if !reflect.DeepEqual(exported, reportIDs) {
		t.Errorf("ledger export lists %v\nthe report %v", exported, reportIDs)
	}

	// The clerk watch list (SZ 26): 重点关注 as of the month's end is the report's.
	watch, err := svc.WatchUntil(ctx, mgr, app.DefaultWatchRules, monthEnd)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.WatchClerks) == 0 {
		t.Fatal("no clerk on the report's watch list: the demo cannot show the lists agree")
	}
	if !reflect.DeepEqual(watch.Clerks, rep.WatchClerks) {
		t.Errorf("重点关注 as of %s:\n%+v\nthe report:\n%+v", monthEnd.Format("2006-01-02"), watch.Clerks, rep.WatchClerks)
	}
	if !watch.From.Equal(rep.WatchFrom) || !watch.To.Equal(rep.WatchTo) {
		t.Errorf("watch periods: %s and %s", watch.Period(), app.PeriodZh(rep.WatchFrom, rep.WatchTo))
	}
	if got := watch.Period(); got != "2025-11-01 至 2026-10-31" {
		t.Errorf("watch period label %q", got)
	}

	// The printed report and its workbook show the same list and say its period.
	reportAt := reportEnd
	pdf, xlsx := filepath.Join(dir, "月报.pdf"), filepath.Join(dir, "月报.xlsx")
	runReport(t, reportAt, db, "2026-10", pdf, xlsx)
	text := spaces.ReplaceAllString(pdfText(t, pdf), "")
	if !strings.Contains(text, "统计区间："+strings.ReplaceAll(watch.Period(), " ", "")) {
		t.Error("the report's watch list does not say its period")
	}
	x, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	wrows, err := x.GetRows("关注人员", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(wrows)-1 != len(watch.Clerks) {
		t.Fatalf("关注人员 has %d rows, 重点关注 %d clerks", len(wrows)-1, len(watch.Clerks))
	}
	for i, c := range watch.Clerks {
		r := wrows[i+1]
		want := []string{c.No + " " + c.Name, strconv.Itoa(c.YearCount), strconv.Itoa(c.WeekCount), c.Reason, watch.Period()}
		if !reflect.DeepEqual(r[:5], want) {
			t.Errorf("关注人员 row %d: %q, want %q", i+1, r, want)
		}
		if !strings.Contains(text, strings.ReplaceAll(c.Reason, " ", "")) {
			t.Errorf("the report PDF does not give %s's reason %q", c.Name, c.Reason)
		}
	}
}

func ptrVal(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
