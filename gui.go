//go:build !nogui

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"bianmin/app"
	"bianmin/cli"
	"bianmin/devices/devconf"
	"bianmin/printing/sysprint"
	"bianmin/screens"
	"bianmin/sync/lan"
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
	role := fs.String("role", "", "standalone | counter | kiosk | display (saved in node.json)")
	hub := fs.String("hub", "", "the hub's new address, https://host:8787, after it moved (saved; the pin stays)")
	join := fs.String("join", "", "join the centre with the code the hub's manager gave (saved)")
	window := fs.Int("window", 0, "this PC's window number (saved)")
	listen := fs.String("listen", "", "standalone: also serve the LAN API on this address (saved; \"off\" stops it)")
	tablet := fs.String("tablet", "", "on | off: the customer-facing rating window (saved)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "用法 Usage: bianmin [--db PATH] [--role standalone|counter|kiosk|display] [--join 加入码] [--window N] [--listen ADDR] [--tablet on|off]\n   或 or   bianmin <命令 command> …（bianmin help）\n%v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "未知参数 unexpected argument: %q（命令写在最前 commands go first: bianmin help）\n", fs.Arg(0))
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if !dataPath(dbPath) {
		return 1
	}

	// This PC's role: node.json next to the database, changed by flags.
	np := nodePath(*dbPath)
	n, err := loadNode(np)
	if err != nil {
		fmt.Fprintln(os.Stderr, "本机角色设置文件有误，请检查或删除后重新设置 / bad node.json:", err)
		return 1
	}
	before := n
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["role"] {
		n.Role = *role
	}
	if set["hub"] {
		n.Hub = strings.TrimRight(*hub, "/")
	}
	if set["join"] {
		j, err := joinCentre(context.Background(), n, *join)
		if err != nil {
			fmt.Fprintln(os.Stderr, app.UserMessage(err))
			log.Error("join failed", "err", err)
			return 1
		}
		n = j
	}
	if set["window"] {
		n.Window = *window
	}
	if set["listen"] {
		n.Listen = *listen
		if *listen == "off" {
			n.Listen = ""
		}
	}
	if set["tablet"] {
		n.Tablet = *tablet == "on"
	}
	if err := n.check(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if n != before {
		if err := saveNode(np, n); err != nil {
			fmt.Fprintln(os.Stderr, "无法保存本机角色设置 / cannot save node.json:", err)
			return 1
		}
	}
	log.Info("starting desktop window", "db", *dbPath, "role", n.Role, "window", n.Window)

	if err := probeGL(); err != nil {
		log.Error("no OpenGL: the window cannot open", "err", err)
		return explainNoGL(err)
	}
	a := fyneapp.NewWithID(appID)
	a.Settings().SetTheme(screens.Theme{})
	a.SetIcon(screens.AppIcon)
	watchStart(a)
	st := newStation(a, n, *dbPath, log)
	defer st.close()

	switch n.Role {
	case roleKiosk, roleDisplay:
		// No database and no login: the kiosk and the hall display are the
		// hub's queue on a screen in the hall.
		cl, err := lan.NewPinnedClient(n.Hub, n.Pin, lan.Credential(n.Key), log)
		if err != nil {
			fmt.Fprintln(os.Stderr, app.UserMessage(err))
			return 2
		}
		st.client = cl
		st.hall = st.client
		var w fyne.Window
		if n.Role == roleKiosk {
			w = st.showKiosk("便民服务中心")
		} else {
			w = st.showHallDisplay("便民服务中心")
		}
		w.SetMaster()
		log.Info("screen shown", "screen", n.Role)
		a.Run()
		return 0
	}

	w := a.NewWindow("便民 · 好差评")
	w.SetMaster()
	fitToScreen(w, fyne.NewSize(1280, 800))
	be := screens.Backend{
		Open: func(ctx context.Context) (*app.Service, error) {
			svc, err := st.open(ctx)
			if err != nil {
				return nil, err
			}
			if n.Role == roleCounter {
				return svc, nil // the hub keeps the centre's reports
			}
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
		FirstStart: func(err error) bool { return n.Role != roleCounter && errors.Is(err, cli.ErrNotInitialised) },
		Join: func(ctx context.Context, code string) (string, error) {
			j, err := joinCentre(ctx, n, code)
			if err != nil {
				return "", err
			}
			if err := saveNode(np, j); err != nil {
				return "", err
			}
			log.Info("joined the centre", "role", j.Role, "window", j.Window, "hub", j.Hub)
			if j.Role == roleCounter {
				return fmt.Sprintf("本机为 %d 号窗口电脑", j.Window), nil
			}
			return "本机为" + roleName(j.Role), nil
		},
		Report: func(ctx context.Context, svc *app.Service, month time.Time, by string) (string, error) {
			return cli.SaveMonthReport(ctx, svc, *dbPath, month, by)
		},
		WorkOrderSheets: func(ctx context.Context, svc *app.Service, actor *app.Staff, ids []int64) (string, error) {
			return cli.SaveWorkOrders(ctx, svc, actor, *dbPath, ids)
		},
		CallList: func(ctx context.Context, svc *app.Service, list *app.CallbackList) (string, error) {
			return cli.SaveCallList(ctx, svc, *dbPath, list)
		},
		LedgerXLSX: func(ctx context.Context, svc *app.Service, actor *app.Staff, f app.LedgerFilter) (string, error) {
			return cli.SaveLedgerXLSX(ctx, svc, actor, *dbPath, f)
		},
		WorkOrderSheet: func(ctx context.Context, svc *app.Service, actor *app.Staff, id int64) (string, error) {
			return cli.SaveWorkOrder(ctx, svc, actor, *dbPath, id)
		},
		BlankForms: func(ctx context.Context, svc *app.Service, n int) (string, error) {
			if st.db == nil {
				return "", errors.New("database not open")
			}
			return cli.SaveBlankForms(ctx, svc, st.db, *dbPath, n)
		},
		Backup: func(ctx context.Context) (string, error) {
			if st.db == nil {
				return "", errors.New("database not open")
			}
			return cli.SaveBackup(ctx, st.db, *dbPath, time.Now())
		},
		Counter:     st.counterDeps,
		CounterOnly: n.Role == roleCounter,
		Tools:       st.tools,
		Devices:     deviceWatch{st},
		Setup: func(ctx context.Context, in screens.SetupInput) (string, error) {
			_, err := cli.InitCentre(ctx, *dbPath, in.Profile, in.Name, in.AreaCode,
				cli.Manager{No: in.ManagerNo, Name: in.ManagerName, PIN: in.PIN}, false, log)
			if err != nil {
				return "", err
			}
			if !in.Demo {
				return "", nil
			}
			if err := cli.LoadDemoProgress(ctx, *dbPath, demoDays, 1, in.Progress); err != nil {
				return "", err
			}
			return fmt.Sprintf("已载入%d天的演示数据。请用刚才设置的负责人工号 %s 和密码登录。", demoDays, in.ManagerNo), nil
		},
	}
	env := &screens.Env{Win: w, Log: log, Timeout: 10 * time.Minute}
	if sysprint.Available() {
		env.PrintPDF = func(ctx context.Context, path string) (string, error) { return printA4(ctx, *dbPath, path) }
	}
	screens.NewShell(env, be).Start()
	w.ShowAndRun()
	return 0
}

// printA4 prints a PDF on this PC's A4 printer (设备设置: A4 文件打印到, the
// system's default when none is chosen) and names the printer for the user.
func printA4(ctx context.Context, dbPath, path string) (string, error) {
	name := ""
	if c, err := devconf.Load(devconf.PathFor(dbPath)); err == nil {
		name = c.A4Printer
	}
	shown := name
	if shown == "" {
		shown = "系统默认打印机"
		if d, err := sysprint.Default(ctx); err == nil && d != "" {
			shown = d
		}
	}
	return shown, sysprint.PrintPDF(ctx, name, path)
}
