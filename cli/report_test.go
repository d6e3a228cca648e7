package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"bianmin/app"
	"bianmin/app/demo"
	"bianmin/internal/testdb"
	"bianmin/printing/report"
	"bianmin/storage"
	"bianmin/wire"
)

// reportEnd is where the test demo centres' history ends; the reported
// month is the one before it.
var reportEnd = time.Date(2026, 11, 3, 12, 0, 0, 0, app.ChinaTime)

// demos are the demo centres this package's tests read, each generated once.
var demos testdb.Templates[*demo.Result]

func TestMain(m *testing.M) { os.Exit(demos.Main(m)) }

// demoDB puts at path a demo centre of days ending at end, generated
// deterministically from seed 1 (once per test binary; each test gets its
// own copy).
func demoDB(t testing.TB, path string, days, perDay int, end time.Time) *demo.Result {
	t.Helper()
	key := fmt.Sprintf("demo-%d-%d-%s", days, perDay, end.Format(time.RFC3339))
	return demos.Copy(t, key, path, func(path string) (*demo.Result, error) {
		ctx := context.Background()
		if _, err := wire.InitCentre(ctx, path, "national", "示范镇便民服务中心", "370911105000", wire.Manager{}, false, nil); err != nil {
			return nil, err
		}
		svc, db, err := wire.OpenService(ctx, path, nil)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		return demo.Generate(ctx, db, svc.Profile, svc.Cal, demo.Options{Days: days, Seed: 1, End: end, PerDay: perDay})
	})
}

// statsJSONFor runs `bianmin stats --json` in-process for the month.
func statsJSONFor(t *testing.T, db string, month time.Time, by string) statsJSON {
	t.Helper()
	args := []string{"stats", "--db", db, "--from", month.Format("2006-01-02"),
		"--to", month.AddDate(0, 1, -1).Format("2006-01-02"), "--json"}
	if by != "" {
		args = append(args, "--by", by)
	}
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("stats: %d\n%s", code, errs)
	}
	var s statsJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("stats json: %v\n%s", err, out)
	}
	return s
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: cannot read the PDF's text back; install poppler-utils to run this test")
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// keep copies rendered files to $BIANMIN_REPORT_OUT, when set, to look at them.
func keep(paths ...string) {
	if out := os.Getenv("BIANMIN_REPORT_OUT"); out != "" {
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				os.WriteFile(filepath.Join(out, filepath.Base(p)), b, 0o644)
			}
		}
	}
}

// runReport runs `bianmin report` on its clock fixed at at: the report says it
// was generated then, and the same database gives the same bytes.
func runReport(t *testing.T, at time.Time, db, month, pdf, xlsx string) {
	t.Helper()
	args := []string{"report", "--db", db, "--month", month, "--out", pdf}
	if xlsx != "" {
		args = append(args, "--xlsx", xlsx)
	}
	code, out, errs := runWith(t, func(c *cmd) { c.now = func() time.Time { return at } }, args...)
	if code != 0 {
		t.Fatalf("report: %d\n%s\n%s", code, out, errs)
	}
}

var spaces = regexp.MustCompile(`\s+`)

// lineWith returns the PDF text lines that start with name as a cell.
func linesWith(text, name string) [][]string {
	var out [][]string
	for _, l := range strings.Split(text, "\n") {
		f := spaces.Split(strings.TrimSpace(l), -1)
		if len(f) > 0 && f[0] == name {
			out = append(out, f)
		}
	}
	return out
}

// TestReportFiguresMatchStats: every figure of the summary, the counts, the
// channel table and the window, clerk and item tables, in the PDF text and
// the xlsx, equals `bianmin stats --json` for the same month.
func TestReportFiguresMatchStats(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 70, 0, reportEnd)
	reportAt := time.Date(2026, 11, 3, 18, 0, 0, 0, app.ChinaTime)
	pdf, xlsx := filepath.Join(dir, "月报.pdf"), filepath.Join(dir, "月报.xlsx")
	runReport(t, reportAt, db, "2026-10", pdf, xlsx)
	keep(pdf, xlsx)
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime)
	all := statsJSONFor(t, db, month, "")
	prev := statsJSONFor(t, db, month.AddDate(0, -1, 0), "")
	if all.Total == 0 || all.BadOrders == 0 || prev.Total == 0 {
		t.Fatalf("demo month too empty: %+v", all.Counts)
	}
	text := pdfText(t, pdf)

	// Summary rows: name, value, numerator, denominator, previous month, change.
	for _, row := range report.SummaryRows {
		lines := linesWith(text, row.Name)
		if len(lines) != 1 {
			t.Errorf("%s: %d lines in the PDF text", row.Name, len(lines))
			continue
		}
		want := []string{row.Name, row.Value(all.Metrics), fmt.Sprint(row.Num(all.Metrics)), fmt.Sprint(row.Den(all.Metrics)),
			row.Value(prev.Metrics), row.Change(all.Metrics, prev.Metrics), report.Dash, report.Dash}
		if got := lines[0]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("summary row\n got %q\nwant %q", got, want)
		}
	}
	// Counts: "name value" pairs, three to a line.
	for _, c := range report.CountRows {
		re := regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(c.Name) + `\s+` + strconv.Itoa(c.Get(all.Metrics)) + `(\s|$)`)
		if !re.MatchString(text) {
			t.Errorf("count %s = %d not in the PDF", c.Name, c.Get(all.Metrics))
		}
	}
	for ch, n := range all.ByChannel {
		re := regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(ch.Name()) + `\s+` + strconv.Itoa(n) + `(\s|$)`)
		if !re.MatchString(text) {
			t.Errorf("channel %s = %d not in the PDF", ch.Name(), n)
		}
	}
	if !strings.Contains(text, fmt.Sprintf("本月差评工单 %d 件", all.BadOrders)) {
		t.Errorf("bad-review list does not count %d orders", all.BadOrders)
	}
	if want := fmt.Sprintf("%d 工单", all.BadOrders); strings.Count(text, "人员") == 0 || want == "" {
		t.Error("no bad-review table")
	}

	// Groups: rank, label (maybe shortened), then the figures in order.
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, g := range []struct{ by, sheet string }{{"window", "窗口"}, {"clerk", "工作人员"}, {"item", "事项"}} {
		s := statsJSONFor(t, db, month, g.by)
		if s.Groups == nil || len(*s.Groups) == 0 {
			t.Fatalf("%s: no groups", g.by)
		}
		rows, err := f.GetRows(g.sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string][]string{}
		for _, r := range rows[1:] {
			byKey[r[1]] = r
		}
		if len(rows)-1 != len(*s.Groups) {
			t.Errorf("%s: %d rows in the xlsx, %d groups in stats", g.sheet, len(rows)-1, len(*s.Groups))
		}
		for _, x := range *s.Groups {
			cells := report.GroupRow(app.RankedGroup{Group: x})[2:10]
			label := []rune(x.Label)
			if len(label) > 5 {
				label = label[:5]
			}
			// A long name wraps in its cell: its figures may sit on the
			// next text line, between the name's two lines.
			re := regexp.MustCompile(`(?s)\s` + regexp.QuoteMeta(string(label)) + `.{0,160}?\s` + strings.Join(quoteAll(cells), `\s+`) + `(\s|$)`)
			if !re.MatchString(text) {
				t.Errorf("%s %s: %q not in the PDF text", g.by, x.Label, cells)
			}
			r := byKey[x.Key]
			if r == nil {
				t.Errorf("%s %s: no xlsx row", g.sheet, x.Key)
				continue
			}
			ints := []int{x.Transactions, x.Total, x.ValidBad + x.InvalidBad, x.ValidBad}
			for i, col := range []int{3, 4, 8, 9} {
				if r[col] != strconv.Itoa(ints[i]) {
					t.Errorf("%s %s col %d: %q, want %d", g.sheet, x.Key, col, r[col], ints[i])
				}
			}
			for i, p := range []*float64{x.GoodRate, x.ActiveGoodRate, x.Score, x.BadReplyRate, x.UnratedRate} {
				col := []int{5, 6, 7, 10, 11}[i]
				checkNum(t, g.sheet+" "+x.Key, r[col], p)
			}
		}
	}
	// xlsx summary: the rate (a number), numerator, denominator.
	rows, err := f.GetRows("总体情况", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range report.SummaryRows {
		r := rows[i+1]
		if r[0] != row.Name {
			t.Fatalf("xlsx summary row %d: %q", i, r[0])
		}
		checkNum(t, "xlsx "+row.Name, r[1], row.Rate(all.Metrics))
		checkNum(t, "xlsx prev "+row.Name, r[4], row.Rate(prev.Metrics))
		if r[2] != strconv.Itoa(row.Num(all.Metrics)) || r[3] != strconv.Itoa(row.Den(all.Metrics)) {
			t.Errorf("xlsx %s: %q / %q", row.Name, r[2], r[3])
		}
	}
	// A rate cell is a number with a percent format.
	if st, _ := f.GetCellStyle("总体情况", "B2"); st == 0 {
		t.Error("xlsx good rate has no number format")
	} else if v, _ := f.GetCellValue("总体情况", "B2"); !strings.HasSuffix(v, "%") {
		t.Errorf("xlsx good rate shows %q", v)
	}
	if typ, _ := f.GetCellType("总体情况", "B2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("xlsx good rate stored as text")
	}
	// Evaluator identities never appear.
	noEvaluators(t, db, text)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = regexp.QuoteMeta(s)
	}
	return out
}

// checkNum compares an xlsx cell with a rate from stats: the same float, or "—".
func checkNum(t *testing.T, what, cell string, want *float64) {
	t.Helper()
	if want == nil {
		if cell != report.Dash {
			t.Errorf("%s: %q, want —", what, cell)
		}
		return
	}
	// Excel keeps 15 significant digits; excelize writes that many.
	got, err := strconv.ParseFloat(cell, 64)
	if err != nil || math.Abs(got-*want) > 1e-14*math.Max(1, math.Abs(*want)) {
		t.Errorf("%s: %q, want %v", what, cell, *want)
	}
}

// noEvaluators checks that no evaluator name or phone number of the database
// appears in text.
func noEvaluators(t *testing.T, db, text string) {
	t.Helper()
	d, err := storage.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	staff, err := d.AllStaff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for id := int64(1); id < 400; id++ {
		e, err := d.Evaluation(ctx, id)
		if err != nil {
			continue
		}
		for _, s := range []string{e.EvaluatorName, e.EvaluatorTel} {
			// The demo draws evaluators' and clerks' names from one pool: a
			// clerk's name in the clerk table is not an evaluator's identity.
			isStaff := false
			for _, x := range staff {
				isStaff = isStaff || strings.Contains(x.Name, s)
			}
			if len([]rune(s)) >= 2 && !isStaff {
				seen++
				if strings.Contains(text, s) {
					t.Errorf("evaluator identity %q appears in the report", s)
				}
			}
		}
	}
	if seen == 0 {
		t.Log("no evaluator identities in the first 400 rows to look for")
	}
}

// TestReportDeterministic: same database, same clock → same bytes.
func TestReportDeterministic(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 70, 0, reportEnd)
	reportAt := time.Date(2026, 11, 4, 9, 30, 0, 0, app.ChinaTime)
	var pdfs, xlsxs [][]byte
	for i := 0; i < 2; i++ {
		p, x := filepath.Join(dir, fmt.Sprintf("r%d.pdf", i)), filepath.Join(dir, fmt.Sprintf("r%d.xlsx", i))
		runReport(t, reportAt, db, "2026-10", p, x)
		pb, _ := os.ReadFile(p)
		xb, _ := os.ReadFile(x)
		pdfs, xlsxs = append(pdfs, pb), append(xlsxs, xb)
	}
	if !bytes.Equal(pdfs[0], pdfs[1]) {
		t.Error("two PDFs of the same month differ")
	}
	if !bytes.Equal(xlsxs[0], xlsxs[1]) {
		t.Error("two workbooks of the same month differ")
	}
	if !bytes.HasPrefix(pdfs[0], []byte("%PDF-")) || len(pdfs[0]) < 10000 {
		t.Errorf("not a PDF: %d bytes", len(pdfs[0]))
	}
}

// TestReportEmptyMonths: a month with no data, a month with one rating and a
// new centre's first month give a report with "—" for undefined rates.
func TestReportEmptyMonths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := initDB(t, dir)
	reportAt := time.Date(2026, 11, 4, 9, 30, 0, 0, app.ChinaTime)

	// No data at all.
	pdf := filepath.Join(dir, "empty.pdf")
	runReport(t, reportAt, db, "2026-10", pdf, filepath.Join(dir, "empty.xlsx"))
	keep(pdf)
	text := pdfText(t, pdf)
	for _, row := range report.SummaryRows {
		l := linesWith(text, row.Name)
		if len(l) != 1 || strings.Join(l[0][1:], " ") != "— 0 0 — — — —" {
			t.Errorf("empty month %s: %q", row.Name, l)
		}
	}
	for _, s := range []string{"本月无评价", "本月无差评工单", "本月无窗口数据"} {
		if !strings.Contains(text, s) {
			t.Errorf("empty month: %q missing", s)
		}
	}

	// One (bad) rating in September.
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 9, 15, 10, 0, 0, 0, app.ChinaTime)
	clk := app.NewFakeClock(at)
	svc.Clock = clk
	wid, err := d.AddWindow(ctx, app.Window{Number: 1, Name: "综合受理窗口", Kind: "综合受理", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := d.AddStaff(ctx, app.Staff{No: "1001", Name: "王窗口", Role: app.RoleClerk, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SaveItem(ctx, app.ServiceItem{Code: "X001", Name: "城乡居民医保参保登记", Instant: true, Active: true}); err != nil {
		t.Fatal(err)
	}
	tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "X001", BatchCount: 1, WindowID: wid, ClerkID: sid,
		Status: app.TxCompleted, Visits: 1, CreatedAt: at.Add(-20 * time.Minute), AcceptedAt: at.Add(-20 * time.Minute),
		CompletedAt: at.Add(-time.Minute), ApplicantName: "张三", Phone: "13800000000"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rate(ctx, nil, app.RateRequest{TransactionID: tx.ID, Level: app.LevelBad, Channel: app.ChannelKeypad,
		Tags: []string{"态度不好"}, Text: "等了很久", EvaluatorName: "李评价", EvaluatorTel: "13912345678"}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	pdf = filepath.Join(dir, "one.pdf")
	runReport(t, reportAt, db, "2026-09", pdf, filepath.Join(dir, "one.xlsx"))
	keep(pdf)
	text = pdfText(t, pdf)
	s := statsJSONFor(t, db, time.Date(2026, 9, 1, 0, 0, 0, 0, app.ChinaTime), "")
	if s.Total != 1 || s.BadOrders != 1 {
		t.Fatalf("one rating: %+v", s.Counts)
	}
	for _, row := range report.SummaryRows {
		l := linesWith(text, row.Name)
		if len(l) != 1 || l[0][1] != row.Value(s.Metrics) || l[0][4] != report.Dash {
			t.Errorf("one rating %s: %q (want %s)", row.Name, l, row.Value(s.Metrics))
		}
	}
	if !strings.Contains(text, "本月差评工单 1 件") || !strings.Contains(text, "城乡居民医保参保登记") {
		t.Error("one rating: the bad review is not listed")
	}
	for _, secret := range []string{"李评价", "13912345678", "张三", "13800000000"} {
		if strings.Contains(text, secret) {
			t.Errorf("identity %q in the report", secret)
		}
	}

	// A new centre's first month: a demo of 12 days, all in its first month.
	db2 := filepath.Join(t.TempDir(), "new.db")
	demoDB(t, db2, 12, 0, time.Date(2026, 10, 20, 17, 0, 0, 0, app.ChinaTime))
	pdf = filepath.Join(dir, "first.pdf")
	runReport(t, reportAt, db2, "2026-10", pdf, "")
	keep(pdf)
	text = pdfText(t, pdf)
	first := statsJSONFor(t, db2, time.Date(2026, 10, 1, 0, 0, 0, 0, app.ChinaTime), "")
	for _, row := range report.SummaryRows {
		l := linesWith(text, row.Name)
		if len(l) != 1 || l[0][1] != row.Value(first.Metrics) || strings.Join(l[0][4:], " ") != "— — — —" {
			t.Errorf("first month %s: %q", row.Name, l)
		}
	}
}

func TestReportUsage(t *testing.T) {
	db := initDB(t, t.TempDir())
	for _, args := range [][]string{
		{"report", "--db", db, "--month", "2026-13", "--out", "x.pdf"},
		{"report", "--db", db, "--month", "2026-10"},
	} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := run(t, "report", "--db", filepath.Join(t.TempDir(), "none.db"), "--out", "x.pdf"); code != 1 ||
		!strings.Contains(errs, "初始化") {
		t.Errorf("missing database: %d %s", code, errs)
	}
}

// TestAutoMonthReport: after month end the window keeps last month's report
// in reports/, once; a centre with nothing last month gets none.
func TestAutoMonthReport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 20, 0, reportEnd)
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	svc.Clock = app.NewFakeClock(time.Date(2026, 11, 2, 8, 0, 0, 0, app.ChinaTime))
	p, err := AutoMonthReport(ctx, svc, db)
	want := filepath.Join(dir, "reports", "月报-2026-10.pdf")
	if err != nil || p != want {
		t.Fatalf("auto report: %q %v", p, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "reports", "月报-2026-10.xlsx")); err != nil {
		t.Error(err)
	}
	if text := pdfText(t, p); !strings.Contains(text, "系统自动生成") {
		t.Error("auto report does not say who generated it")
	}
	if p, err := AutoMonthReport(ctx, svc, db); p != "" || err != nil {
		t.Errorf("second call wrote %q %v", p, err)
	}
	// Nothing happened in the month before the demo began.
	svc.Clock = app.NewFakeClock(time.Date(2026, 10, 2, 8, 0, 0, 0, app.ChinaTime))
	if p, err := AutoMonthReport(ctx, svc, db); p != "" || err != nil {
		t.Errorf("empty month: %q %v", p, err)
	}
}

// The report workbook as another program reads it (openpyxl): dates and
// times are dates, not text, and every table has a filter.
func TestReportXLSXDatesAndFilters(t *testing.T) {
	py := "python3"
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		py = "/usr/bin/python3" // the one Debian's python3-openpyxl is for (not a pyenv shim)
	}
	if err := exec.Command(py, "-c", "import openpyxl").Run(); err != nil {
		t.Skip("python3-openpyxl is not installed; make test installs it")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 70, 0, reportEnd)
	reportAt := time.Date(2026, 11, 3, 18, 0, 0, 0, app.ChinaTime)
	xlsx := filepath.Join(dir, "月报.xlsx")
	runReport(t, reportAt, db, "2026-10", filepath.Join(dir, "月报.pdf"), xlsx)
	script := `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    out[ws.title] = {"filter": ws.auto_filter.ref, "rows": ws.max_row}
d = wb["每日"]["A2"].value
o = wb["差评工单"]["B2"].value
out["daily_a2"] = [type(d).__name__, d.isoformat() if hasattr(d, "isoformat") else str(d)]
out["order_b2"] = [type(o).__name__, o.isoformat() if hasattr(o, "isoformat") else str(o)]
print(json.dumps(out, ensure_ascii=False))
`
	b, err := exec.Command(py, "-c", script, xlsx).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, b)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	var daily, order []string
	_ = json.Unmarshal(got["daily_a2"], &daily)
	_ = json.Unmarshal(got["order_b2"], &order)
	if len(daily) != 2 || daily[0] != "datetime" || !strings.HasPrefix(daily[1], "2026-10-") {
		t.Errorf("每日 A2 is %q, want a date in October", daily)
	}
	if len(order) != 2 || order[0] != "datetime" || !strings.HasPrefix(order[1], "2026-") {
		t.Errorf("差评工单 B2 is %q, want a date and time", order)
	}
	for _, sheet := range []string{"每日", "差评工单", "窗口", "工作人员", "事项"} {
		var s struct {
			Filter *string
			Rows   int
		}
		_ = json.Unmarshal(got[sheet], &s)
		if s.Filter == nil || !strings.HasPrefix(strings.ReplaceAll(*s.Filter, "$", ""), "A1:") {
			t.Errorf("sheet %s has no filter: %s", sheet, got[sheet])
		}
	}
}
