package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"bianmin/app"
	"bianmin/printing/calllist"
	"bianmin/wire"
)

// callback draws the quarter's random call-back sample and prints the call
// list (TA 二.5 办件随机抽评), or records one call's outcome.
func (c *cmd) callback(args []string) int {
	fs, db := c.flags("callback", "--db PATH --quarter 2026Q3 --n 20 [--seed S] --out FILE.pdf | --record 流水号 (--level 1-5 [--tags a,b] [--text 意见] | --unreached [--note 原因])")
	quarter := fs.String("quarter", "", "季度，如 2026Q3 / quarter")
	n := fs.Int("n", 20, "抽取件数 / sample size")
	seed := fs.Uint64("seed", 0, "抽样种子（默认由季度得出，同一种子可复核）/ seed (default: from the quarter)")
	out := fs.String("out", "", "回访表 PDF / call list PDF")
	record := fs.String("record", "", "记录这个办件的回访结果（流水号）/ record the outcome for this serial")
	level := fs.Int("level", 0, "回访评价等级 1–5 / level")
	tags := fs.String("tags", "", "差评标签，逗号分隔 / tags")
	text := fs.String("text", "", "意见建议 / opinions")
	unreached := fs.Bool("unreached", false, "未接通或拒访 / not reached")
	note := fs.String("note", "", "备注 / note")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if (*record == "") == (*quarter == "") {
		return c.usageErr("请选择 --quarter 抽取回访表，或 --record 流水号 记录回访结果。", "exactly one of --quarter or --record")
	}
	svc, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("callback", err)
	}
	defer d.Close()
	mgr, err := firstManager(c.ctx, svc)
	if err != nil {
		return c.fail("callback", err)
	}
	if *record != "" {
		tx, err := svc.Records().TransactionBySerial(c.ctx, strings.TrimSpace(*record))
		if err != nil {
			return c.fail("callback", &app.UserError{Code: app.CodeUnknownTransaction,
				Msg: fmt.Sprintf("未找到办件 %s，请核对流水号", *record), Err: err})
		}
		o := app.CallbackOutcome{Reached: !*unreached, Level: app.Level(*level), Text: *text, Note: *note}
		if *tags != "" {
			o.Tags = strings.Split(*tags, ",")
		}
		rows, err := svc.RecordCallback(c.ctx, mgr, tx.ID, o)
		if err != nil {
			return c.fail("callback", err)
		}
		if len(rows) == 0 {
			fmt.Fprintf(c.out, "已记录：办件 %s 回访未接通。\n", tx.Serial)
		} else {
			fmt.Fprintf(c.out, "已记录：办件 %s 电话回访评价“%s”。\n", tx.Serial, rows[0].Level.Name())
		}
		return 0
	}
	if *out == "" {
		return c.usageErr("请用 --out 指定回访表 PDF 文件。", "--out is required")
	}
	q, err := app.ParseQuarter(*quarter)
	if err != nil {
		return c.fail("callback", err)
	}
	if *seed == 0 {
		// The default seed is the quarter itself: anyone re-running the
		// command for the same quarter gets the same list.
		*seed = uint64(q.Year*10 + q.Q)
	}
	list, err := svc.CallbackSample(c.ctx, mgr, q, *n, *seed)
	if err != nil {
		return c.fail("callback", err)
	}
	centre, err := svc.Records().Centre(c.ctx)
	if err != nil {
		return c.fail("callback", err)
	}
	if err := writeAtomic(*out, func(f *os.File) error {
		return calllist.Write(f, centre.Name, list, list.DrawnAt)
	}); err != nil {
		return c.fail("callback", err)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(c.out, "%s：从 %d 件中抽取 %d 件（种子 %d）：%s\n", q.Chinese(), list.Population, len(list.Entries), list.Seed, abs)
	return 0
}

// SaveCallList writes a drawn call-back list to the reports folder (the
// window's 打印名单) and returns the file's path.
func SaveCallList(ctx context.Context, svc *app.Service, dbPath string, list *app.CallbackList) (string, error) {
	centre, err := svc.Records().Centre(ctx)
	if err != nil {
		return "", err
	}
	dir := ReportsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "随机抽评-"+list.Quarter.String()+".pdf")
	return path, writeAtomic(path, func(f *os.File) error { return calllist.Write(f, centre.Name, list, list.DrawnAt) })
}

// reminders exports the finished, unrated transactions that are due a rating
// reminder, with phone numbers, for the county's SMS service.
func (c *cmd) reminders(args []string) int {
	fs, db := c.flags("reminders", "--db PATH --out FILE.csv|FILE.xlsx")
	out := fs.String("out", "", "输出文件（.csv 或 .xlsx）/ output file")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".csv" && ext != ".xlsx" {
		return c.usageErr("请用 --out 指定 .csv 或 .xlsx 文件。", "--out must end in .csv or .xlsx")
	}
	svc, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("reminders", err)
	}
	defer d.Close()
	list, err := svc.RemindersDue(c.ctx, 0)
	if err != nil {
		return c.fail("reminders", err)
	}
	windows, err := svc.Records().Windows(c.ctx)
	if err != nil {
		return c.fail("reminders", err)
	}
	winNo := map[int64]int{}
	for _, w := range windows {
		winNo[w.ID] = w.Number
	}
	withPhone := 0
	err = writeAtomic(*out, func(f *os.File) error {
		var s sink
		if ext == ".csv" {
			cs, err := newCSV(f)
			if err != nil {
				return err
			}
			s = cs
		} else {
			xs, err := newXLSX(f, "评价提醒")
			if err != nil {
				return err
			}
			s = xs
		}
		if err := s.row([]any{"流水号", "事项", "窗口", "办结时间", "提醒时间", "评价截止", "申请人", "手机号码"}); err != nil {
			return err
		}
		for _, r := range list {
			if r.Tx.Phone != "" {
				withPhone++
			}
			if err := s.row([]any{r.Tx.Serial, r.Tx.ItemName, winNo[r.Tx.WindowID], ts(r.Tx.CompletedAt),
				ts(r.RemindAt), ts(r.Deadline), app.MaskName(r.Tx.ApplicantName), r.Tx.Phone}); err != nil {
				return err
			}
		}
		return s.close()
	})
	if err != nil {
		return c.fail("reminders", err)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(c.out, "待提醒评价的办件 %d 件（其中 %d 件留有电话），已导出：%s\n", len(list), withPhone, abs)
	return 0
}
