package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/printing/report"
	"bianmin/wire"
)

const reportHelp = "--db PATH --month YYYY-MM --out FILE.pdf [--xlsx FILE.xlsx] [--author 姓名]"

func (c *cmd) report(args []string) int {
	fs, db := c.flags("report", reportHelp)
	now := c.now()
	prev := now.AddDate(0, 0, -now.Day()) // the last day of the previous month
	month := fs.String("month", prev.Format("2006-01"), "报告月份 / month, YYYY-MM (default: last month)")
	out := fs.String("out", "", "PDF 文件 / PDF file to write")
	xlsx := fs.String("xlsx", "", "xlsx 文件（可选）/ optional workbook to write")
	author := fs.String("author", "", "生成人（默认：中心负责人）/ who generates it (default: the centre's manager)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if strings.TrimSpace(*out) == "" {
		return c.usageErr("请用 --out 指定 PDF 文件。", "--out is required")
	}
	m, err := app.ParseMonth(*month)
	if err != nil {
		return c.usageErr("月份格式应为 YYYY-MM，例如 2026-10。", fmt.Sprintf("bad --month %q", *month))
	}
	svc, d, err := wire.Open(c.ctx, *db, c.log, wire.ModeReport)
	if err != nil {
		return c.fail("report", err)
	}
	defer d.Close()
	// As `stats` does (on the system clock): ratings whose window has passed
	// count as 未评 once recorded.
	if n, err := svc.SettleTimeouts(c.ctx); err != nil {
		c.log.Warn("timeouts not settled (read-only?)", "err", err)
	} else if n > 0 {
		c.log.Info("timeouts settled", "count", n)
	}
	svc.Clock = fixedClock{c.now()} // "generated at", and what is overdue at that time
	by := *author
	if by == "" {
		by = managerName(c.ctx, svc)
	}
	began := time.Now()
	pdf, xl, err := RenderMonthReport(c.ctx, svc, m, by, *xlsx != "")
	if err != nil {
		return c.fail("report", err)
	}
	if err := writeReportFile(*out, pdf); err != nil {
		return c.fail("report", err)
	}
	if *xlsx != "" {
		if err := writeReportFile(*xlsx, xl); err != nil {
			return c.fail("report", err)
		}
	}
	c.log.Info("report written", "month", *month, "pdf", *out, "pdf_bytes", len(pdf), "xlsx", *xlsx,
		"elapsed", time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(c.out, "已生成 %s 月报：%s", *month, *out)
	if *xlsx != "" {
		fmt.Fprintf(c.out, "，%s", *xlsx)
	}
	fmt.Fprintln(c.out)
	return 0
}

// RenderMonthReport computes the month's report through svc and renders the
// PDF, and the xlsx workbook when withXLSX is set. Used by `bianmin report`
// and the manager's screen.
func RenderMonthReport(ctx context.Context, svc *app.Service, month time.Time, by string, withXLSX bool) (pdf, xlsx []byte, err error) {
	steps := 2 // the figures, the PDF (and the workbook)
	if withXLSX {
		steps = 3
	}
	app.ReportProgress(ctx, 0, steps)
	r, err := svc.MonthReport(ctx, month, by)
	if err != nil {
		return nil, nil, err
	}
	app.ReportProgress(ctx, 1, steps)
	var b bytes.Buffer
	if err := report.WritePDF(&b, r); err != nil {
		return nil, nil, err
	}
	pdf = b.Bytes()
	app.ReportProgress(ctx, 2, steps)
	if withXLSX {
		var x bytes.Buffer
		if err := report.WriteXLSX(&x, r); err != nil {
			return nil, nil, err
		}
		xlsx = x.Bytes()
		app.ReportProgress(ctx, 3, steps)
	}
	return pdf, xlsx, nil
}

// managerName is the first active manager's 工号 and name, "" when none.
func managerName(ctx context.Context, svc *app.Service) string {
	staff, err := svc.Records().AllStaff(ctx)
	if err != nil {
		return ""
	}
	for _, s := range staff {
		if s.Role == app.RoleManager && s.Active {
			return s.No + " " + s.Name
		}
	}
	return ""
}

type fixedClock struct{ t time.Time }

func (f fixedClock) Now() time.Time { return f.t }

// writeReportFile replaces path with data through a temporary file in the same
// directory, so a reader never sees half a report.
func writeReportFile(path string, data []byte) error {
	return writeAtomic(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// writeAtomic writes path through a temporary file in the same folder,
// fsynced and renamed into place (mode 0644, like every export), so a
// failed write never leaves half a file nor replaces a good one.
func writeAtomic(path string, write func(f *os.File) error) (err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".partial-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), abs)
}

// ReportsFolder is where the window keeps monthly reports: a "reports"
// folder next to the database file.
func ReportsFolder(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "reports")
}

// SaveMonthReport renders the month's report through svc and keeps it in the
// reports folder as 月报-YYYY-MM.pdf and 月报-YYYY-MM.xlsx, replacing older
// ones of the month. It returns the PDF's path. Used by the manager's screen.
func SaveMonthReport(ctx context.Context, svc *app.Service, dbPath string, month time.Time, by string) (string, error) {
	pdf, xl, err := RenderMonthReport(ctx, svc, month, by, true)
	if err != nil {
		return "", err
	}
	dir := ReportsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(dir, "月报-"+month.In(app.ChinaTime).Format("2006-01"))
	if err := writeReportFile(base+".xlsx", xl); err != nil {
		return "", err
	}
	if err := writeReportFile(base+".pdf", pdf); err != nil {
		return "", err
	}
	return base + ".pdf", nil
}

// AutoMonthReport keeps last month's report in the reports folder: when the
// month before now has ended and its PDF is not there yet, it is generated
// ("系统自动生成"). A month without any rating or ticket is skipped. It
// returns the PDF's path, or "" when nothing was written. The window calls it
// after opening the database.
func AutoMonthReport(ctx context.Context, svc *app.Service, dbPath string) (string, error) {
	now := svc.Clock.Now().In(app.ChinaTime)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, app.ChinaTime).AddDate(0, -1, 0)
	pdf := filepath.Join(ReportsFolder(dbPath), "月报-"+month.Format("2006-01")+".pdf")
	if _, err := os.Stat(pdf); err == nil {
		return "", nil
	}
	st, err := svc.Stats(ctx, month, month.AddDate(0, 1, 0), app.ByNone)
	if err != nil {
		return "", err
	}
	tickets, err := svc.Records().TicketsIssued(ctx, month, month.AddDate(0, 1, 0))
	if err != nil {
		return "", err
	}
	if st.Total == 0 && st.Transactions == 0 && len(tickets) == 0 {
		return "", nil
	}
	return SaveMonthReport(ctx, svc, dbPath, month, "系统自动生成")
}
