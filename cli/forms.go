package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/printing/forms"
	"bianmin/storage"
	"bianmin/wire"
)

// forms prints 书面评价表: blank ones in a numbered batch, or pre-filled for
// transactions by 流水号.
func (c *cmd) forms(args []string) int {
	fs, db := c.flags("forms", "--db PATH (--blank N | --for 流水号[,流水号…]) --out FILE.pdf [--layout a4x2|a4x4|a5]")
	blank := fs.Int("blank", 0, "空白评价表张数 / number of blank forms")
	forSerials := fs.String("for", "", "为这些办件预填评价表（逗号分隔的流水号）/ pre-filled forms for these serials")
	out := fs.String("out", "", "输出的 PDF 文件 / PDF file to write")
	layoutName := fs.String("layout", "a4x2", "版式：a4x2（A4 两联）、a4x4（A4 四联）、a5 / layout")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	layout, ok := forms.ParseLayout(*layoutName)
	if !ok {
		return c.usageErr("版式只能是 a4x2、a4x4 或 a5。", "--layout must be a4x2, a4x4 or a5")
	}
	if *out == "" || (*blank <= 0) == (*forSerials == "") {
		return c.usageErr("请用 --out 指定文件，并且只选 --blank N 或 --for 流水号 之一。",
			"--out is required, with exactly one of --blank N or --for SERIALS")
	}
	if *blank > 2000 {
		return c.usageErr("一次最多打印 2000 张空白评价表。", "at most 2000 blank forms at a time")
	}
	svc, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("forms", err)
	}
	defer d.Close()
	var prefilled func(next func() string) ([]forms.Form, error)
	if *blank == 0 {
		prefilled = func(next func() string) ([]forms.Form, error) {
			return c.prefilled(svc, strings.Split(*forSerials, ","), next)
		}
	}
	list, err := writeForms(c.ctx, svc, d, *out, *blank, prefilled, layout, time.Now())
	if err != nil {
		return c.fail("forms", err)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(c.out, "已生成 %d 张评价表（表号 %s 至 %s）：%s\n", len(list), list[0].FormNo, list[len(list)-1].FormNo, abs)
	return 0
}

// prefilled looks up each transaction and fills its form.
func (c *cmd) prefilled(svc *app.Service, serials []string, next func() string) ([]forms.Form, error) {
	windows, err := svc.Records().Windows(c.ctx)
	if err != nil {
		return nil, err
	}
	staff, err := svc.Records().AllStaff(c.ctx)
	if err != nil {
		return nil, err
	}
	items, err := svc.Records().Items(c.ctx)
	if err != nil {
		return nil, err
	}
	winNo := map[int64]int{}
	for _, w := range windows {
		winNo[w.ID] = w.Number
	}
	clerkNo := map[int64]string{}
	for _, s := range staff {
		clerkNo[s.ID] = s.No
	}
	itemName := map[string]string{}
	for _, it := range items {
		itemName[it.Code] = it.Name
	}
	var out []forms.Form
	for _, s := range serials {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		tx, err := svc.Records().TransactionBySerial(c.ctx, s)
		if err != nil {
			return nil, &app.UserError{Code: app.CodeUnknownTransaction, Msg: fmt.Sprintf("未找到办件 %s，请核对流水号", s), Err: err}
		}
		date := tx.CompletedAt
		if date.IsZero() {
			date = tx.CreatedAt
		}
		out = append(out, forms.Form{FormNo: next(), Serial: tx.Serial, Item: itemName[tx.ItemCode],
			WindowNo: winNo[tx.WindowID], ClerkNo: clerkNo[tx.ClerkID], Date: date})
	}
	if len(out) == 0 {
		return nil, &app.UserError{Code: "no_serial", Msg: "请用 --for 给出至少一个办件流水号"}
	}
	return out, nil
}

// writeForms writes n blank forms (or, with prefilled, the forms it makes)
// to out. Form numbers come from a counter in the database, so no two
// batches share a number (entering one twice is refused).
func writeForms(ctx context.Context, svc *app.Service, d *storage.DB, out string, n int,
	prefilled func(next func() string) ([]forms.Form, error), layout forms.Layout, now time.Time) ([]forms.Form, error) {
	centre, err := svc.Records().Centre(ctx)
	if err != nil {
		return nil, err
	}
	now = now.In(app.ChinaTime)
	opt := forms.Options{Centre: centre.Name, Layout: layout, BadTags: svc.Profile.Tags.Bad, Created: now}
	for i, l := range []app.Level{5, 4, 3, 2, 1} {
		opt.Levels[i] = svc.Profile.Def(l).Name
	}
	const seqKey = "forms.seq"
	kv, err := d.Settings(ctx, seqKey)
	if err != nil {
		return nil, err
	}
	seq, _ := strconv.Atoi(kv[seqKey])
	next := func() string {
		seq++
		return fmt.Sprintf("F%s-%05d", now.Format("20060102"), seq)
	}
	var list []forms.Form
	if prefilled != nil {
		if list, err = prefilled(next); err != nil {
			return nil, err
		}
	} else {
		for i := 0; i < n; i++ {
			list = append(list, forms.Form{FormNo: next()})
		}
	}
	if err := d.SaveSettings(ctx, map[string]string{seqKey: strconv.Itoa(seq)}); err != nil {
		return nil, err
	}
	app.ReportProgress(ctx, 1, 2)
	if err := writeAtomic(out, func(f *os.File) error { return forms.Write(f, list, opt) }); err != nil {
		return nil, err
	}
	app.ReportProgress(ctx, 2, 2)
	return list, nil
}

// SaveBlankForms writes n blank paper evaluation forms (A4, two to a page)
// into the reports folder and returns the PDF's path (录入评价表's
// 打印空白评价表).
func SaveBlankForms(ctx context.Context, svc *app.Service, d *storage.DB, dbPath string, n int) (string, error) {
	if n < 1 || n > 2000 {
		return "", &app.UserError{Code: "bad_form_count", Msg: "张数应在 1 至 2000 之间"}
	}
	dir := ReportsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("空白评价表-%d张-%s.pdf", n, time.Now().In(app.ChinaTime).Format("20060102-150405")))
	if _, err := writeForms(ctx, svc, d, path, n, nil, forms.A4x2, time.Now()); err != nil {
		return "", err
	}
	return path, nil
}
