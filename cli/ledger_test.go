package cli

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"bianmin/app"
	"bianmin/wire"
)

// TestLedgerXLSX: `bianmin ledger` on a 20-day demo writes one row per work
// order, with the cells Service.Ledger gives (read as the first manager at the
// same moment), numbers and dates as such, and the daily summary sheet.
func TestLedgerXLSX(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 20, 0, reportEnd) // the report tests' template
	at := reportEnd
	var opened []string
	xl := filepath.Join(dir, "台账.xlsx")
	code, out, errs := runWith(t, func(c *cmd) {
		c.now = func() time.Time { return at }
		c.open = func(p string) error { opened = append(opened, p); return nil }
	}, "ledger", "--db", db, "--out", xl, "--open")
	if code != 0 {
		t.Fatalf("ledger: %d\n%s\n%s", code, out, errs)
	}
	if len(opened) != 1 || opened[0] != xl {
		t.Errorf("--open opened %v", opened)
	}
	if !strings.Contains(out, "0001") {
		t.Errorf("output does not say which manager read the ledger: %s", out)
	}

	ctx := context.Background()
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	svc.Clock = fixedClock{at}
	mgr, err := firstManager(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	all, err := svc.Records().WorkOrders(ctx, app.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := svc.Ledger(ctx, mgr, app.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 3 || len(entries) != len(all) {
		t.Fatalf("demo has %d orders, ledger %d: too few to test", len(all), len(entries))
	}

	f, err := excelize.OpenFile(xl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != LedgerSheet || sheets[1] != SummarySheet {
		t.Fatalf("sheets %v", sheets)
	}
	rows, err := f.GetRows(LedgerSheet)
	if err != nil {
		t.Fatal(err)
	}
	header := LedgerHeader()
	if len(rows)-1 != len(all) {
		t.Fatalf("%d data rows, %d orders", len(rows)-1, len(all))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i + 1
	}
	if len(col) != len(header) {
		t.Fatalf("header %v", rows[0])
	}
	cell := func(row int, name string) (string, string) {
		t.Helper()
		c, err := excelize.CoordinatesToCellName(col[name], row)
		if err != nil {
			t.Fatal(err)
		}
		shown, err := f.GetCellValue(LedgerSheet, c)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := f.GetCellValue(LedgerSheet, c, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return shown, raw
	}
	byID := map[int64]int{} // order id → sheet row
	for r := 2; r <= len(rows); r++ {
		_, raw := cell(r, "工单号")
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			t.Fatalf("row %d: 工单号 %q is not a number", r, raw)
		}
		byID[id] = r
	}
	const shownFmt = "2006-01-02 15:04"
	isDate := func(r int, name string, want time.Time) {
		t.Helper()
		shown, raw := cell(r, name)
		if want.IsZero() {
			if shown != "" {
				t.Errorf("row %d %s = %q, want empty", r, name, shown)
			}
			return
		}
		if shown != want.In(app.ChinaTime).Format(shownFmt) {
			t.Errorf("row %d %s shows %q, want %s", r, name, shown, want.In(app.ChinaTime).Format(shownFmt))
		}
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			t.Errorf("row %d %s: raw %q is not an Excel date number", r, name, raw)
		}
	}
	var overdue, done, withWindow int
	for _, e := range entries {
		r, ok := byID[e.Order.ID]
		if !ok {
			t.Fatalf("order %d not in the workbook", e.Order.ID)
		}
		o := e.Order
		tx, err := svc.Records().Transaction(ctx, o.TransactionID)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := svc.Records().Evaluation(ctx, o.EvaluationID)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"流水号": tx.Serial, "评价内容": maskText(e.Text, ev.EvaluatorName), "事项名称": e.ItemName, "被评价人": e.ClerkName,
			"状态": o.State.Name(), "核实结论": o.Verdict.Name(), "分类": o.Category.Name(), "评价人": e.EvaluatorName,
			"评价人电话": e.EvaluatorTel, "现场化解": yesNo(o.OnSite), "回访结果": string(o.CallbackResult),
			"是否超期": yesNo(e.Overdue)} {
			if got, _ := cell(r, name); got != want {
				t.Errorf("order %d %s = %q, want %q", o.ID, name, got, want)
			}
		}
		if ev.EvaluatorTel != "" && len(ev.EvaluatorTel) > 7 {
			for _, c := range rows[r-1] {
				if strings.Contains(c, ev.EvaluatorTel) {
					t.Errorf("order %d: the evaluator's full phone number is in the workbook", o.ID)
				}
			}
		}
		if _, raw := cell(r, "窗口"); raw != "" {
			withWindow++
			if _, err := strconv.Atoi(raw); err != nil {
				t.Errorf("order %d: 窗口 %q is not a number", o.ID, raw)
			}
		}
		isDate(r, "生成时间", o.CreatedAt)
		for _, k := range app.DueKinds() {
			due, ok := e.Due(k)
			status := ""
			if ok {
				status = DueStatus(due)
				isDate(r, k.Name()+"期限", due.Due)
				isDate(r, k.Name()+"完成时间", due.DoneAt)
			}
			if got, _ := cell(r, k.Name()+"情况"); got != status {
				t.Errorf("order %d %s情况 = %q, want %q", o.ID, k.Name(), got, status)
			}
			if due.Overdue {
				overdue++
			}
			if due.Done() {
				done++
			}
		}
	}
	if withWindow == 0 {
		t.Error("no order has a window number")
	}
	t.Logf("%d orders, %d overdue deadlines, %d met or missed", len(entries), overdue, done)

	sum, err := svc.Summary(ctx, mgr)
	if err != nil {
		t.Fatal(err)
	}
	srows, err := f.GetRows(SummarySheet)
	if err != nil {
		t.Fatal(err)
	}
	label := map[string]string{}
	for _, r := range srows {
		if len(r) >= 2 {
			label[r[0]] = r[1]
		}
	}
	for name, want := range map[string]int{"未办结": sum.Open, "今日新增": sum.NewToday,
		"已超期工单": len(sum.OverdueOrders), "即将到期工单": len(sum.DueSoonOrders),
		app.DueContact.Name(): sum.Overdue[app.DueContact], app.DueFinish.Name(): sum.Overdue[app.DueFinish]} {
		if label[name] != strconv.Itoa(want) {
			t.Errorf("summary %s = %q, want %d", name, label[name], want)
		}
	}

	// A period: the orders created in the last three days.
	from := at.AddDate(0, 0, -2).Format("2006-01-02")
	to := at.Format("2006-01-02")
	xl2 := filepath.Join(dir, "近三天.xlsx")
	if code, out, errs := run(t, "ledger", "--db", db, "--out", xl2, "--from", from, "--to", to); code != 0 {
		t.Fatalf("ledger --from: %d\n%s\n%s", code, out, errs)
	}
	pf, pt, _ := parsePeriod(from, to, true)
	some, err := svc.Ledger(ctx, mgr, app.LedgerFilter{From: pf, To: pt})
	if err != nil {
		t.Fatal(err)
	}
	f2, err := excelize.OpenFile(xl2)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	rows2, _ := f2.GetRows(LedgerSheet)
	if len(rows2)-1 != len(some) || len(some) == len(all) {
		t.Errorf("period: %d rows, ledger %d of %d", len(rows2)-1, len(some), len(all))
	}
}

func TestLedgerMaskText(t *testing.T) {
	got := maskText("李四反映等了很久，电话13812345678，座机0538-8221234", "李四")
	if strings.Contains(got, "李四") || strings.Contains(got, "13812345678") || strings.Contains(got, "8221234") ||
		!strings.Contains(got, "李*") || !strings.Contains(got, "反映等了很久") {
		t.Errorf("maskText: %q", got)
	}
}

func TestLedgerUsage(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	for _, args := range [][]string{
		{"ledger", "--db", db},
		{"ledger", "--db", db, "--out", filepath.Join(dir, "a.pdf")},
		{"ledger", "--db", db, "--out", filepath.Join(dir, "a.xlsx"), "--from", "2026-01-01"},
	} {
		if code, _, errs := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
	if code, _, errs := run(t, "ledger", "--db", db, "--out", filepath.Join(dir, "a.xlsx")); code != 1 || !strings.Contains(errs, "init") {
		t.Errorf("no database: exit %d\n%s", code, errs)
	}
}
