package cli

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/wire"
)

const stamp = "2006-01-02 15:04:05"

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.ChinaTime).Format(stamp)
}

// sink receives the rows of an export: CSV (UTF-8 with BOM, so that Excel on
// Windows shows Chinese) or one xlsx sheet. Values are string, int, int64,
// bool; xlsx keeps numbers as numbers.
type sink interface {
	row(vals []any) error
	close() error // finish the file; on error the partial file is removed
}

type csvSink struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

func newCSV(f *os.File) (*csvSink, error) {
	b := bufio.NewWriter(f)
	if _, err := b.WriteString("\ufeff"); err != nil {
		return nil, err
	}
	return &csvSink{f: f, b: b, w: csv.NewWriter(b)}, nil
}

func (s *csvSink) row(vals []any) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			rec[i] = x
		case int:
			rec[i] = strconv.Itoa(x)
		case int64:
			rec[i] = strconv.FormatInt(x, 10)
		case bool:
			rec[i] = yesNo(x)
		default:
			rec[i] = fmt.Sprint(x)
		}
	}
	return s.w.Write(rec)
}

func (s *csvSink) close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.b.Flush()
}

type xlsxSink struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	n   int
	out *os.File
}

func newXLSX(out *os.File, sheet string) (*xlsxSink, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	return &xlsxSink{f: f, sw: sw, out: out}, nil
}

func (s *xlsxSink) row(vals []any) error {
	s.n++
	for i, v := range vals {
		if b, ok := v.(bool); ok {
			vals[i] = yesNo(b) // Excel would show TRUE/FALSE
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, vals)
}

func (s *xlsxSink) close() error {
	if err := s.sw.Flush(); err != nil {
		return err
	}
	if _, err := s.f.WriteTo(s.out); err != nil {
		return err
	}
	return s.f.Close()
}

func (c *cmd) export(args []string) int {
	fs, db := c.flags("export", "--db PATH --what evaluations|transactions|workorders --format csv|xlsx --out FILE [--from --to]")
	what := fs.String("what", "evaluations", "导出内容 / evaluations, transactions or workorders")
	format := fs.String("format", "csv", "格式 / csv or xlsx")
	out := fs.String("out", "", "输出文件 / output file")
	from := fs.String("from", "", "开始日期 / first day (YYYY-MM-DD)")
	to := fs.String("to", "", "结束日期（含）/ last day, inclusive")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	switch *what {
	case "evaluations", "transactions", "workorders":
	default:
		return c.usageErr("--what 只能是 evaluations（评价）、transactions（办件）或 workorders（差评工单）。", fmt.Sprintf("bad --what %q", *what))
	}
	if *format != "csv" && *format != "xlsx" {
		return c.usageErr("--format 只能是 csv 或 xlsx。", fmt.Sprintf("bad --format %q", *format))
	}
	if *out == "" {
		return c.usageErr("请用 --out 指定输出文件。", "--out is required")
	}
	f, t, err := parsePeriod(*from, *to, *from != "" || *to != "")
	if err != nil {
		return c.usageErr("日期格式应为 YYYY-MM-DD，且须同时给出 --from 和 --to。", err.Error())
	}
	svc, d, err := wire.Open(c.ctx, *db, c.log, wire.ModeRead)
	if err != nil {
		return c.fail("export", err)
	}
	defer d.Close()
	n, err := c.writeExport(svc, d, *what, *format, *out, f, t)
	if err != nil {
		return c.fail("export", err)
	}
	c.log.Info("exported", "what", *what, "format", *format, "rows", n, "out", *out)
	fmt.Fprintf(c.out, "已导出 %d 条记录到 %s\n", n, *out)
	return 0
}

// writeExport writes to a temporary file next to out and renames it into
// place, so out is never left half-written.
func (c *cmd) writeExport(svc *app.Service, d *storage.DB, what, format, out string, from, to time.Time) (n int, err error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".partial-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var s sink
	if format == "xlsx" {
		s, err = newXLSX(tmp, map[string]string{"evaluations": "评价明细", "transactions": "办件明细", "workorders": "差评工单"}[what])
	} else {
		s, err = newCSV(tmp)
	}
	if err != nil {
		return 0, err
	}
	e := &exporter{c: c, svc: svc, d: d, s: s}
	if err := e.load(); err != nil {
		return 0, err
	}
	switch what {
	case "evaluations":
		n, err = e.evaluations(from, to)
	case "transactions":
		n, err = e.transactions(from, to)
	default:
		n, err = e.workorders(from, to)
	}
	if err != nil {
		return n, err
	}
	if err = s.close(); err != nil {
		return n, err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	if err = os.Rename(tmp.Name(), abs); err != nil {
		return n, err
	}
	return n, nil
}

type exporter struct {
	c   *cmd
	svc *app.Service
	d   *storage.DB
	s   sink

	windows map[int64]int    // id → number
	staff   map[int64]string // id → 工号
	items   map[string]string
	serial  map[int64]string
	orders  map[int64]app.WorkOrder // by evaluation id
	evRated map[int64]time.Time
	super   map[int64]bool // evaluation ids corrected by a later row
}

// load reads the lookups every export needs.
func (e *exporter) load() error {
	ctx := e.c.ctx
	e.windows, e.staff, e.items = map[int64]int{}, map[int64]string{}, map[string]string{}
	e.serial, e.orders, e.evRated, e.super = map[int64]string{}, map[int64]app.WorkOrder{}, map[int64]time.Time{}, map[int64]bool{}
	ws, err := e.d.Windows(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		e.windows[w.ID] = w.Number
	}
	st, err := e.d.AllStaff(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		e.staff[s.ID] = s.No
	}
	its, err := e.d.Items(ctx)
	if err != nil {
		return err
	}
	for _, it := range its {
		e.items[it.Code] = it.Name
	}
	if err := e.d.ExportTransactions(ctx, time.Time{}, time.Time{}, func(t app.Transaction) error {
		e.serial[t.ID] = t.Serial
		return nil
	}); err != nil {
		return err
	}
	if err := e.d.ExportWorkOrders(ctx, time.Time{}, time.Time{}, func(o app.WorkOrder) error {
		e.orders[o.EvaluationID] = o
		return nil
	}); err != nil {
		return err
	}
	return e.d.ExportEvaluations(ctx, time.Time{}, time.Time{}, func(ev app.Evaluation) error {
		e.evRated[ev.ID] = ev.RatedAt
		if ev.CorrectsID != 0 {
			e.super[ev.CorrectsID] = true
		}
		return nil
	})
}

func (e *exporter) win(id int64) any {
	if n, ok := e.windows[id]; ok {
		return n
	}
	return ""
}

// Headers and values are Chinese: the manager opens these in Excel. The
// numeric level (1–5) stays, so the rates can still be recomputed.
var evalHeader = []any{"编号", "唯一标识", "办件流水号", "办件编号", "第几次服务", "评价对象", "满意度", "评价等级",
	"评价类型", "主动评价", "默认评价", "追加评价", "差评", "差评核实", "工单编号", "评价渠道", "评价人",
	"窗口", "工作人员工号", "事项编码", "事项名称", "评价时间", "录入时间", "更正的评价编号", "已被更正",
	"评价人电话", "评价表编号", "评价标签", "文字评价"}

var kindNames = map[app.EvalKind]string{app.KindActive: "主动评价", app.KindTimeout: "超时未评", app.KindFollowUp: "追加评价"}

var raterNames = map[app.Rater]string{app.RaterApplicant: "申请人本人", app.RaterAgent: "代办人"}

// evaluations: one row per stored evaluation row (corrected rows included and
// marked superseded), enough to recompute every GB/T 39735 rate. The
// evaluator's name is left out and the phone masked.
func (e *exporter) evaluations(from, to time.Time) (int, error) {
	if err := e.s.row(evalHeader); err != nil {
		return 0, err
	}
	p := e.svc.Profile
	n := 0
	err := e.d.ExportEvaluations(e.c.ctx, from, to, func(ev app.Evaluation) error {
		bad := ev.Kind != app.KindTimeout && p.IsBad(ev.Level)
		valid, orderID := "", int64(0)
		if o, ok := e.orders[ev.ID]; ok {
			orderID = o.ID
		}
		if bad {
			valid = "有效"
			if o, ok := e.orders[ev.ID]; ok && o.Verdict.Invalid() {
				valid = "无效"
			}
		}
		var oid any = ""
		if orderID != 0 {
			oid = orderID
		}
		var corr any = ""
		if ev.CorrectsID != 0 {
			corr = ev.CorrectsID
		}
		n++
		var lvl any = ""
		if ev.Level.Valid() {
			lvl = int(ev.Level)
		}
		return e.s.row([]any{ev.ID, ev.UID, e.serial[ev.TransactionID], ev.TransactionID, ev.Visit, ev.Dimension.Name(),
			lvl, ev.Level.Name(), kindNames[ev.Kind], ev.Kind == app.KindActive,
			ev.Kind == app.KindTimeout && ev.Level.Valid(), ev.Kind == app.KindFollowUp, bad, valid, oid,
			ev.Channel.Name(), raterNames[ev.Rater], e.win(ev.WindowID), e.staff[ev.ClerkID],
			ev.ItemCode, e.items[ev.ItemCode], ts(ev.RatedAt), ts(ev.CreatedAt), corr, e.super[ev.ID],
			app.MaskPhone(ev.EvaluatorTel), ev.FormNo, strings.Join(ev.Tags, "、"), ev.Text})
	})
	return n, err
}

var txHeader = []any{"编号", "办件流水号", "事项编码", "事项名称", "办理状态", "批次号", "批次件数",
	"所属一件事编号", "一件事", "帮办代办", "申请人", "证件号码", "联系电话", "窗口", "工作人员工号", "来办次数",
	"登记时间", "受理时间", "办结时间"}

func (e *exporter) transactions(from, to time.Time) (int, error) {
	if err := e.s.row(txHeader); err != nil {
		return 0, err
	}
	n := 0
	err := e.d.ExportTransactions(e.c.ctx, from, to, func(t app.Transaction) error {
		var parent any = ""
		if t.ThemeParentID != 0 {
			parent = t.ThemeParentID
		}
		n++
		return e.s.row([]any{t.ID, t.Serial, t.ItemCode, e.items[t.ItemCode], t.Status.Name(),
			t.BatchID, t.BatchCount, parent, t.IsTheme, t.AgentName != "", app.MaskName(t.ApplicantName), t.IDMasked,
			app.MaskPhone(t.Phone), e.win(t.WindowID), e.staff[t.ClerkID], t.Visits, ts(t.CreatedAt),
			ts(t.AcceptedAt), ts(t.CompletedAt)})
	})
	return n, err
}

var orderHeader = []any{"工单编号", "唯一标识", "评价编号", "评价时间", "办件编号", "办件流水号", "窗口",
	"工作人员工号", "事项编码", "差评类别", "工单状态", "核实结论", "有效差评", "现场化解",
	"生成时间", "联系期限", "办结期限", "答复时间", "整改时间", "回访时间", "回访结果",
	"回访满意", "办结归档时间", "超期"}

func (e *exporter) workorders(from, to time.Time) (int, error) {
	if err := e.s.row(orderHeader); err != nil {
		return 0, err
	}
	now := e.svc.Clock.Now()
	p := e.svc.Profile
	n := 0
	err := e.d.ExportWorkOrders(e.c.ctx, from, to, func(o app.WorkOrder) error {
		n++
		return e.s.row([]any{o.ID, o.UID, o.EvaluationID, ts(e.evRated[o.EvaluationID]), o.TransactionID,
			e.serial[o.TransactionID], e.win(o.WindowID), e.staff[o.ClerkID], o.ItemCode, o.Category.Name(),
			o.State.Name(), o.Verdict.Name(), !o.Verdict.Invalid(), o.OnSite,
			ts(o.CreatedAt), ts(o.ContactDue), ts(o.FinishDue), ts(o.RepliedAt), ts(o.RectifiedAt),
			ts(o.CalledBackAt), string(o.CallbackResult), o.CallbackResult != "" && p.CallbackCountsSatisfied(o.CallbackResult),
			ts(o.ClosedAt), e.svc.Overdue(o, now)})
	})
	return n, err
}
