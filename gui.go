package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"bianmin/app"
	"bianmin/cli"
	"bianmin/screens"
	"bianmin/storage"
)

// appID is the Fyne application ID (also in FyneApp.toml); it names the
// preferences folder.
const appID = "cn.gov.bianmin"

// demoDays is how much history the first-start "载入演示数据" box generates.
const demoDays = 90

// runGUI opens the desktop window on the database given by --db (default
// cli.DefaultDBPath()). It is the only code that imports fyne.io/fyne/v2/app,
// so only package main needs cgo and the GL driver.
func runGUI(args []string) int {
	fs := flag.NewFlagSet("bianmin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "", "database file (default: the user config folder)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "用法 Usage: bianmin [--db PATH]   或 or   bianmin <命令 command> …（bianmin help）\n%v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "未知参数 unexpected argument: %q（命令写在最前 commands go first: bianmin help）\n", fs.Arg(0))
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *dbPath == "" {
		p, err := cli.DefaultDBPath()
		if err != nil {
			fmt.Fprintln(os.Stderr, "找不到用户配置目录，请用 --db 指定数据库文件 / no config dir, use --db:", err)
			return 1
		}
		*dbPath = p
	}
	if err := os.MkdirAll(filepath.Dir(*dbPath), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "无法创建数据目录 / cannot create the data folder:", err)
		return 1
	}
	log.Info("starting desktop window", "db", *dbPath)

	a := fyneapp.NewWithID(appID)
	a.Settings().SetTheme(screens.Theme{})
	a.SetIcon(screens.AppIcon)
	w := a.NewWindow("便民 · 好差评")
	w.SetMaster()
	w.Resize(fyne.NewSize(1280, 760))
	w.CenterOnScreen()

	var mu sync.Mutex
	var open *storage.DB // closed when the window closes
	be := screens.Backend{
		Open: func(ctx context.Context) (*app.Service, error) {
			svc, db, err := cli.OpenService(ctx, *dbPath, log)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			if open != nil {
				open.Close()
			}
			open = db
			mu.Unlock()
			// Last month's report, kept in reports/ next to the database.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				if p, err := cli.AutoMonthReport(ctx, svc, *dbPath); err != nil {
					log.Warn("monthly report not generated", "err", err)
				} else if p != "" {
					log.Info("monthly report generated", "path", p)
				}
			}()
			return svc, nil
		},
		FirstStart: func(err error) bool { return errors.Is(err, cli.ErrNotInitialised) },
		Report: func(ctx context.Context, svc *app.Service, month time.Time, by string) (string, error) {
			return cli.SaveMonthReport(ctx, svc, *dbPath, month, by)
		},
		Setup: func(ctx context.Context, in screens.SetupInput) (string, error) {
			_, err := cli.InitCentre(ctx, *dbPath, in.Profile, in.Name, in.AreaCode,
				cli.Manager{No: in.ManagerNo, Name: in.ManagerName, PIN: in.PIN}, false, log)
			if err != nil {
				return "", err
			}
			if !in.Demo {
				return "", nil
			}
			if err := cli.LoadDemo(ctx, *dbPath, demoDays, 1); err != nil {
				return "", err
			}
			return fmt.Sprintf("已载入%d天的演示数据。请用刚才设置的负责人工号 %s 和密码登录。", demoDays, in.ManagerNo), nil
		},
	}
	env := &screens.Env{Win: w, Log: log, Timeout: 10 * time.Minute}
	screens.NewShell(env, be).Start()
	w.ShowAndRun()

	mu.Lock()
	defer mu.Unlock()
	if open != nil {
		if err := open.Close(); err != nil {
			log.Warn("close database", "err", err)
			return 1
		}
	}
	return 0
}
