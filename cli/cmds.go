package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/wire"
)

func (c *cmd) init(args []string) int {
	fs, db := c.flags("init", "--db PATH --profile NAME --centre 名称 --area 区划代码 [--manager-no --manager-name --manager-pin] [--force]")
	profile := fs.String("profile", "national", "评价规则 / policy profile: "+fmt.Sprint(app.BuiltinProfiles()))
	centre := fs.String("centre", "", "中心名称 / centre name, e.g. 某某镇便民服务中心")
	area := fs.String("area", "", "12位行政区划代码 / 12-digit area code")
	mno := fs.String("manager-no", wire.DefaultManagerNo, "负责人工号 / first manager's staff number")
	mname := fs.String("manager-name", wire.DefaultManagerName, "负责人姓名 / first manager's name")
	mpin := fs.String("manager-pin", wire.DefaultManagerPIN, "负责人初始密码 / first manager's PIN (4–12 digits)")
	force := fs.Bool("force", false, "已有中心时仍更新设置 / update an existing centre")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	st, err := wire.InitCentre(c.ctx, *db, *profile, *centre, *area, wire.Manager{No: *mno, Name: *mname, PIN: *mpin}, *force, c.log)
	if err != nil {
		return c.fail("init", err)
	}
	fmt.Fprintf(c.out, "已建立中心：%s（%s），数据库：%s\n负责人工号：%s %s\n", *centre, *profile, *db, st.No, st.Name)
	if *mpin == wire.DefaultManagerPIN {
		fmt.Fprintf(c.err, "警告：负责人初始密码为 %s，请登录后立即修改。\nwarning: the manager's PIN is the default %s; change it at the first login\n",
			wire.DefaultManagerPIN, wire.DefaultManagerPIN)
	}
	return 0
}

func (c *cmd) demo(args []string) int {
	fs, db := c.flags("demo", "--db PATH [--days 90] [--seed 1] [--profile national] [--end YYYY-MM-DD]")
	days := fs.Int("days", 90, "生成的天数 / days of history ending now")
	seed := fs.Int64("seed", 1, "随机种子 / random seed (same seed, same centre)")
	profile := fs.String("profile", "national", "新建中心的评价规则 / profile of a new centre")
	endDay := fs.String("end", "", "历史截止日期（当天18:00），不填为现在 / last day of the history (18:00), default now")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	var end time.Time
	if *endDay != "" {
		d, err := time.ParseInLocation("2006-01-02", *endDay, app.ChinaTime)
		if err != nil {
			return c.usageErr("--end 应为 年-月-日，如 2026-11-30", "--end must be YYYY-MM-DD")
		}
		end = d.Add(18 * time.Hour)
	}
	start := time.Now()
	res, err := wire.LoadDemoAt(c.ctx, *db, *profile, *days, *seed, end, c.log)
	if err != nil {
		return c.fail("demo", err)
	}
	fmt.Fprintf(c.out, "演示数据已生成：%d个工作日，取号%d张，办件%d件，评价%d次，超时未评%d件，差评工单%d件，规则拒绝%d次，用时%.1f秒\n",
		res.WorkingDays, res.Tickets, res.Transactions, res.Ratings, res.Timeouts, res.Orders, sum(res.Refused),
		time.Since(start).Seconds())
	fmt.Fprintf(c.out, "负责人工号 %s，演示密码 123456；窗口人员工号 1001–1012，密码 123456\n", res.Manager.No)
	if len(res.Anomalies) > 0 {
		c.log.Warn("demo anomalies", "count", len(res.Anomalies), "first", res.Anomalies[0])
	}
	return 0
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// parsePeriod reads --from and --to (inclusive) as China-time days: [from, to+1day).
func parsePeriod(from, to string, required bool) (time.Time, time.Time, error) {
	var f, t time.Time
	if from == "" && to == "" && !required {
		return f, t, nil
	}
	var err error
	if f, err = time.ParseInLocation("2006-01-02", from, app.ChinaTime); err != nil {
		return f, t, fmt.Errorf("--from %q: want YYYY-MM-DD", from)
	}
	if t, err = time.ParseInLocation("2006-01-02", to, app.ChinaTime); err != nil {
		return f, t, fmt.Errorf("--to %q: want YYYY-MM-DD", to)
	}
	t = t.AddDate(0, 0, 1)
	if !t.After(f) {
		return f, t, fmt.Errorf("--to %s is before --from %s", to, from)
	}
	return f, t, nil
}

func (c *cmd) backup(args []string) int {
	fs, db := c.flags("backup", "--db PATH --out FILE")
	out := fs.String("out", "", "备份文件（不得已存在）/ backup file (must not exist)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if *out == "" {
		return c.usageErr("请用 --out 指定备份文件。", "--out is required")
	}
	d, err := openExisting(*db, c)
	if err != nil {
		return c.fail("backup", err)
	}
	defer d.Close()
	start := time.Now()
	if err := d.Backup(c.ctx, *out); err != nil {
		return c.fail("backup", err)
	}
	fi, _ := os.Stat(*out)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	c.log.Info("backup written", "db", *db, "out", *out, "bytes", size, "elapsed", time.Since(start))
	fmt.Fprintf(c.out, "备份完成：%s（%d 字节）\n", *out, size)
	return 0
}

// BackupsFolder is where the window keeps its backups: backups/ next to the
// database (copy it to a USB stick from there).
func BackupsFolder(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "backups")
}

// SaveBackup writes a consistent backup of d into BackupsFolder, named by
// the time, and returns its path (the dashboard's 备份数据). Progress is
// reported through ctx (app.ReportProgress).
func SaveBackup(ctx context.Context, d *storage.DB, dbPath string, now time.Time) (string, error) {
	dir := BackupsFolder(dbPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bianmin-"+now.In(app.ChinaTime).Format("20060102-150405")+".db")
	if err := d.Backup(ctx, path); err != nil {
		return "", err
	}
	return path, nil
}

// openExisting opens a database that must already exist, read-write when
// possible (a newer schema is refused by storage), read-only otherwise.
func openExisting(path string, c *cmd) (*storage.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	d, err := storage.OpenExisting(path)
	if err == nil {
		d.LogRepairs(c.log)
	}
	if err != nil && !errors.Is(err, storage.ErrNewerSchema) && !errors.Is(err, storage.ErrNotBianmin) {
		c.log.Warn("database cannot be opened read-write, trying read-only", "path", path, "err", err)
		if rd, rerr := storage.OpenReadOnly(path); rerr == nil {
			return rd, nil
		}
	}
	return d, err
}

func (c *cmd) check(args []string) int {
	fset, db := c.flags("check", "--db PATH")
	if code, ok := c.parse(fset, args); !ok {
		return code
	}
	if _, err := os.Stat(*db); err != nil {
		return c.fail("check", err)
	}
	// Read-only first: checking must not migrate or otherwise change the file.
	d, err := storage.OpenReadOnly(*db)
	if err != nil {
		return c.fail("check", err)
	}
	defer d.Close()
	problems, err := d.Check(c.ctx)
	if err != nil {
		return c.fail("check", err)
	}
	abs, _ := filepath.Abs(*db)
	if len(problems) > 0 {
		fmt.Fprintf(c.out, "数据库检查发现 %d 个问题：%s\n", len(problems), abs)
		for _, p := range problems {
			fmt.Fprintln(c.out, "  "+p)
		}
		fmt.Fprintln(c.out, "请停止使用该文件，并用最近一次检查通过的备份恢复。")
		return 1
	}
	fmt.Fprintf(c.out, "数据库检查通过：%s\n", abs)
	return 0
}
