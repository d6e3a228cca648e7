package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/printing/workorder"
	"bianmin/wire"
)

// RenderWorkOrders writes the sheets of the given work orders as one PDF.
func RenderWorkOrders(ctx context.Context, svc *app.Service, actor *app.Staff, ids []int64, w io.Writer) error {
	centre, err := svc.Records().Centre(ctx)
	if err != nil {
		return err
	}
	var sheets []workorder.Sheet
	steps := len(ids) + 1 // each order read, then the PDF drawn
	for i, id := range ids {
		app.ReportProgress(ctx, i, steps)
		d, err := svc.OrderDetail(ctx, actor, id)
		if err != nil {
			return err
		}
		sheets = append(sheets, workorder.Sheet{Centre: centre.Name, Detail: d})
	}
	app.ReportProgress(ctx, len(ids), steps)
	if err := workorder.Write(w, sheets, svc.Clock.Now()); err != nil {
		return err
	}
	app.ReportProgress(ctx, steps, steps)
	return nil
}

// SaveWorkOrder writes the sheet of one work order into the reports folder
// next to the database and returns the PDF's path (the ledger's 打印工单).
func SaveWorkOrder(ctx context.Context, svc *app.Service, actor *app.Staff, dbPath string, id int64) (string, error) {
	dir := ReportsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("差评工单-%d.pdf", id))
	return path, writeAtomic(path, func(f *os.File) error { return RenderWorkOrders(ctx, svc, actor, []int64{id}, f) })
}

// SaveWorkOrders writes the sheets of several orders into one PDF in the
// reports folder (the ledger's 打印所列工单) and returns its path.
func SaveWorkOrders(ctx context.Context, svc *app.Service, actor *app.Staff, dbPath string, ids []int64) (string, error) {
	dir := ReportsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("差评工单-%d件-%s.pdf", len(ids), svc.Clock.Now().In(app.ChinaTime).Format("20060102-150405")))
	return path, writeAtomic(path, func(f *os.File) error { return RenderWorkOrders(ctx, svc, actor, ids, f) })
}

// SaveLedgerXLSX writes the ledger's orders matching f (as the window's
// 差评台账 lists them) to the reports folder and returns the file's path.
func SaveLedgerXLSX(ctx context.Context, svc *app.Service, actor *app.Staff, dbPath string, f app.LedgerFilter) (string, error) {
	b, _, err := RenderLedgerXLSX(ctx, svc, actor, f)
	if err != nil {
		return "", err
	}
	dir := ReportsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "差评台账-"+svc.Clock.Now().In(app.ChinaTime).Format("20060102-150405")+".xlsx")
	return path, writeAtomic(path, func(w *os.File) error { _, err := w.Write(b); return err })
}

// workorder prints work-order sheets by ID.
func (c *cmd) workorder(args []string) int {
	fs, db := c.flags("workorder", "--db PATH --id 工单号[,工单号…] --out FILE.pdf")
	idList := fs.String("id", "", "工单号，逗号分隔 / work order IDs")
	out := fs.String("out", "", "输出的 PDF 文件 / PDF file")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	var ids []int64
	for _, s := range strings.Split(*idList, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return c.usageErr(fmt.Sprintf("工单号应为正整数：%q", s), "--id takes positive integers")
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 || *out == "" {
		return c.usageErr("请用 --id 指定工单号，用 --out 指定 PDF 文件。", "--id and --out are required")
	}
	svc, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("workorder", err)
	}
	defer d.Close()
	mgr, err := firstManager(c.ctx, svc)
	if err != nil {
		return c.fail("workorder", err)
	}
	start := time.Now()
	if err := writeAtomic(*out, func(f *os.File) error { return RenderWorkOrders(c.ctx, svc, mgr, ids, f) }); err != nil {
		return c.fail("workorder", err)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(c.out, "已生成 %d 张差评工单（%.1f 秒）：%s\n", len(ids), time.Since(start).Seconds(), abs)
	return 0
}
