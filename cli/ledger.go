package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"bianmin/app"
	"bianmin/wire"
)

const ledgerHelp = "--db PATH --out FILE.xlsx [--from YYYY-MM-DD --to YYYY-MM-DD] [--open]"

// openInViewer opens a file with the system's default program (--open).
func openInViewer(path string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", path)
	case "darwin":
		cmd = exec.Command("open", path)
	default:
		cmd = exec.Command("xdg-open", path)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // the viewer's exit status does not matter
	return nil
}

// ledger writes the 差评台账 as xlsx. The command line has no login: it reads
// the ledger as the centre's first active manager, as `report` does.
func (c *cmd) ledger(args []string) int {
	fs, db := c.flags("ledger", ledgerHelp)
	out := fs.String("out", "", "xlsx 文件 / workbook to write")
	from := fs.String("from", "", "工单生成日期起 / first day orders were created (YYYY-MM-DD)")
	to := fs.String("to", "", "工单生成日期止（含）/ last day, inclusive")
	open := fs.Bool("open", false, "生成后用系统默认程序打开 / open the workbook afterwards")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if strings.TrimSpace(*out) == "" {
		return c.usageErr("请用 --out 指定 xlsx 文件。", "--out is required")
	}
	if !strings.EqualFold(filepath.Ext(*out), ".xlsx") {
		return c.usageErr("--out 须为 .xlsx 文件。", fmt.Sprintf("--out %q: want a .xlsx file", *out))
	}
	f, t, err := parsePeriod(*from, *to, *from != "" || *to != "")
	if err != nil {
		return c.usageErr("日期格式应为 YYYY-MM-DD，且须同时给出 --from 和 --to。", err.Error())
	}
	svc, d, err := wire.Open(c.ctx, *db, c.log, wire.ModeReport)
	if err != nil {
		return c.fail("ledger", err)
	}
	defer d.Close()
	svc.Clock = fixedClock{c.now()}
	mgr, err := firstManager(c.ctx, svc)
	if err != nil {
		return c.fail("ledger", err)
	}
	data, n, err := RenderLedgerXLSX(c.ctx, svc, mgr, app.LedgerFilter{From: f, To: t})
	if err != nil {
		return c.fail("ledger", err)
	}
	if err := writeReportFile(*out, data); err != nil {
		return c.fail("ledger", err)
	}
	c.log.Info("ledger written", "orders", n, "out", *out, "as", mgr.No)
	fmt.Fprintf(c.out, "已导出差评台账 %d 件到 %s（以负责人 %s %s 的身份读取）\n", n, *out, mgr.No, mgr.Name)
	if *open {
		if err := c.open(*out); err != nil {
			// The file is written; only the viewer is missing.
			fmt.Fprintf(c.err, "未能自动打开文件，请手动打开 %s\ncould not open the workbook: %v\n", *out, err)
			c.log.Warn("open workbook failed", "err", err)
		}
	}
	return 0
}

// firstManager is the centre's first active manager (by ID), the actor of
// command-line reads that the app restricts to managers.
func firstManager(ctx context.Context, svc *app.Service) (*app.Staff, error) {
	staff, err := svc.Records().AllStaff(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(staff, func(i, j int) bool { return staff[i].ID < staff[j].ID })
	for i := range staff {
		if staff[i].Role == app.RoleManager && staff[i].Active {
			return &staff[i], nil
		}
	}
	return nil, &app.UserError{Code: "no_manager", Msg: "中心没有在用的负责人账号，无法读取差评台账；请先添加负责人。",
		Err: fmt.Errorf("no active manager")}
}

// Sheet names of the ledger workbook.
const (
	LedgerSheet  = "差评台账"
	SummarySheet = "每日汇总"
)

// LedgerHeader is the first row of the ledger sheet.
func LedgerHeader() []string {
	h := []string{"工单号", "流水号", "生成时间", "事项编码", "事项名称", "窗口", "被评价人工号", "被评价人", "分类", "责任人",
		"状态", "核实结论", "评价等级", "标签", "评价内容", "评价人", "评价人电话"}
	for _, k := range app.DueKinds() {
		h = append(h, k.Name()+"期限", k.Name()+"完成时间", k.Name()+"情况")
	}
	return append(h, "现场化解", "回访结果", "申诉", "是否超期")
}

// DueStatus is the Chinese word for where a deadline stands (app.OrderDue.Status).
func DueStatus(d app.OrderDue) string { return d.Status() }

func appealStatus(a *app.Appeal) string {
	switch {
	case a == nil:
		return "无"
	case a.Pending():
		return "待复核"
	case a.Verdict == app.VerdictValid:
		return "申诉不成立"
	}
	return "申诉成立（" + a.Verdict.Name() + "）"
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// RenderLedgerXLSX writes the ledger matching f, read through svc as actor
// (a manager), as an xlsx workbook: one row per order on 差评台账, oldest
// first, with every deadline and whether it was met, missed or is overdue;
// the daily summary of the open orders on 每日汇总. Numbers are numbers,
// times are Excel dates (China time). It returns the bytes and the number of
// orders.
func RenderLedgerXLSX(ctx context.Context, svc *app.Service, actor *app.Staff, f app.LedgerFilter) ([]byte, int, error) {
	entries, err := svc.Ledger(ctx, actor, f)
	if err != nil {
		return nil, 0, err
	}
	sum, err := svc.Summary(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Order.ID < entries[j].Order.ID })

	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", LedgerSheet); err != nil {
		return nil, 0, err
	}
	lb, err := newLedgerBook(ctx, svc, x)
	if err != nil {
		return nil, 0, err
	}
	if err := lb.writeLedger(ctx, entries); err != nil {
		return nil, 0, err
	}
	if err := writeSummarySheet(x, sum, lb.date, lb.head); err != nil {
		return nil, 0, err
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		return nil, 0, err
	}
	return b.Bytes(), len(entries), nil
}

// ledgerBook is the ledger workbook being written: its styles and the
// numbers its rows show for windows and staff.
type ledgerBook struct {
	svc                          *app.Service
	x                            *excelize.File
	dateStyle, headStyle, redSty int
	windows                      map[int64]int
	staffNo                      map[int64]string
}

func newLedgerBook(ctx context.Context, svc *app.Service, x *excelize.File) (*ledgerBook, error) {
	lb := &ledgerBook{svc: svc, x: x, windows: map[int64]int{}, staffNo: map[int64]string{}}
	ws, err := svc.Records().Windows(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		lb.windows[w.ID] = w.Number
	}
	st, err := svc.Records().AllStaff(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range st {
		lb.staffNo[s.ID] = s.No
	}
	if lb.dateStyle, err = x.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")}); err != nil {
		return nil, err
	}
	if lb.headStyle, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return nil, err
	}
	if lb.redSty, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "C00000", Bold: true}}); err != nil {
		return nil, err
	}
	return lb, nil
}

// date is t as an Excel date in China time, or an empty cell.
func (lb *ledgerBook) date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return excelize.Cell{StyleID: lb.dateStyle, Value: t.In(app.ChinaTime)}
}

// head is a header row.
func (lb *ledgerBook) head(h []string) []any {
	r := make([]any, len(h))
	for i, s := range h {
		r[i] = excelize.Cell{StyleID: lb.headStyle, Value: s}
	}
	return r
}

// writeLedger writes 差评台账: the header, frozen, and a row per entry.
func (lb *ledgerBook) writeLedger(ctx context.Context, entries []app.LedgerEntry) error {
	sw, err := lb.x.NewStreamWriter(LedgerSheet)
	if err != nil {
		return err
	}
	header := LedgerHeader()
	widths := map[int]float64{2: 20, 3: 17, 5: 24, 15: 30}
	for i := 1; i <= len(header); i++ {
		w, ok := widths[i]
		if !ok {
			w = 12
		}
		if err := sw.SetColWidth(i, i, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", lb.head(header)); err != nil {
		return err
	}
	for i, e := range entries {
		if i%50 == 0 {
			app.ReportProgress(ctx, i, len(entries))
		}
		row, err := lb.row(ctx, e)
		if err != nil {
			return err
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	app.ReportProgress(ctx, len(entries), len(entries))
	return sw.Flush()
}

// row is one order's row of 差评台账, in LedgerHeader's columns.
func (lb *ledgerBook) row(ctx context.Context, e app.LedgerEntry) ([]any, error) {
	o := e.Order
	serial := ""
	if o.TransactionID != 0 {
		tx, err := lb.svc.Records().Transaction(ctx, o.TransactionID)
		if err != nil && !errors.Is(err, app.ErrNotFound) {
			return nil, err
		}
		serial = tx.Serial
	}
	var win any
	if n, ok := lb.windows[o.WindowID]; ok {
		win = n
	}
	evName := ""
	if o.EvaluationID != 0 {
		ev, err := lb.svc.Records().Evaluation(ctx, o.EvaluationID)
		if err != nil && !errors.Is(err, app.ErrNotFound) {
			return nil, err
		}
		evName = ev.EvaluatorName
	}
	row := []any{o.ID, serial, lb.date(o.CreatedAt), o.ItemCode, e.ItemName, win, lb.staffNo[o.ClerkID], e.ClerkName,
		o.Category.Name(), e.AssigneeName, o.State.Name(), o.Verdict.Name(), e.Level.Name(),
		strings.Join(e.Tags, "、"), maskText(e.Text, evName), e.EvaluatorName, e.EvaluatorTel}
	for _, k := range app.DueKinds() {
		d, ok := e.Due(k)
		if !ok {
			row = append(row, nil, nil, "")
			continue
		}
		var status any = DueStatus(d)
		if d.Overdue {
			status = excelize.Cell{StyleID: lb.redSty, Value: status}
		}
		row = append(row, lb.date(d.Due), lb.date(d.DoneAt), status)
	}
	return append(row, yesNo(o.OnSite), string(o.CallbackResult), appealStatus(e.Appeal), yesNo(e.Overdue)), nil
}

func ptr[T any](v T) *T { return &v }

var phoneInText = regexp.MustCompile(`1[3-9]\d{9}|0\d{2,3}-?\d{7,8}`)

// maskText masks the evaluator's name and any phone number in free text, as
// the evaluator columns are masked: a workbook travels further than the screen.
func maskText(text, evaluator string) string {
	if n := strings.TrimSpace(evaluator); n != "" {
		text = strings.ReplaceAll(text, n, app.MaskName(n))
	}
	return phoneInText.ReplaceAllStringFunc(text, app.MaskPhone)
}

// writeSummarySheet writes the daily summary (Service.Summary) on its sheet:
// the counts, the open deadlines by kind, and the overdue and due-soon orders.
func writeSummarySheet(x *excelize.File, sum *app.DailySummary, date func(time.Time) any, head func([]string) []any) error {
	if _, err := x.NewSheet(SummarySheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(SummarySheet)
	if err != nil {
		return err
	}
	for i, w := range []float64{16, 14, 24, 12, 14, 17} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	var rows [][]any
	add := func(r ...any) { rows = append(rows, r) }
	add(head([]string{"差评工单日报"})...)
	add("统计时间", date(sum.Now))
	add("未办结", sum.Open)
	add("今日新增", sum.NewToday)
	add("已超期工单", len(sum.OverdueOrders))
	add("即将到期工单", len(sum.DueSoonOrders))
	add()
	add(head([]string{"期限", "已超期", "即将到期"})...)
	for _, k := range app.DueKinds() {
		add(k.Name(), sum.Overdue[k], sum.DueSoon[k])
	}
	add()
	add(head([]string{"情况", "工单号", "事项", "被评价人", "期限", "应完成时间"})...)
	for _, list := range []struct {
		name string
		es   []app.LedgerEntry
		pick func(app.OrderDue) bool
	}{
		{"已超期", sum.OverdueOrders, func(d app.OrderDue) bool { return d.Overdue }},
		{"即将到期", sum.DueSoonOrders, func(d app.OrderDue) bool { return d.DueSoon }},
	} {
		for _, e := range list.es {
			for _, d := range e.Dues {
				if list.pick(d) {
					add(list.name, e.Order.ID, e.ItemName, e.ClerkName, d.Kind.Name(), date(d.Due))
				}
			}
		}
	}
	for i, r := range rows {
		if len(r) == 0 {
			continue
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	return sw.Flush()
}
