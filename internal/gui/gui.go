//go:build !nogui

package gui

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
	"bianmin/node"
	"bianmin/printing/sysprint"
	"bianmin/screens"
	"bianmin/wire"
)

// appID is the Fyne application ID (also in FyneApp.toml); it names the
// preferences folder.
const appID = "cn.gov.bianmin"

// demoDays is how much history the first-start "载入演示数据" box generates.
const demoDays = 90

// Run opens the desktop window on the database given by --db (default
// wire.DefaultDBPath()). It is the only code that imports fyne.io/fyne/v2/app,
// so only this package needs cgo and the GL driver.
func Run(args []string) int {
	fs := flag.NewFlagSet("bianmin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "", "database file (default: the user config folder)")
	fs.String("role", "", "standalone | counter | kiosk | display (saved in node.json)")
	fs.String("hub", "", "the hub's new address, https://host:8787, after it moved (saved; the pin stays)")
	fs.String("join", "", "join the centre with the code the hub's manager gave (saved)")
	fs.Int("window", 0, "this PC's window number (saved)")
	fs.String("listen", "", "standalone: also serve the LAN API on this address (saved; \"off\" stops it)")
	fs.String("tablet", "", "on | off: the customer-facing rating window (saved)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "用法 Usage: bianmin [--db PATH] [--role standalone|counter|kiosk|display] [--join 加入码] [--window N] [--listen ADDR] [--tablet on|off]\n   或 or   bianmin <命令 command> …（bianmin help）\n%v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "未知参数 unexpected argument: %q（命令写在最前 commands go first: bianmin help）\n", fs.Arg(0))
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if !node.DataPath(dbPath) {
		return 1
	}

	// This PC's role: node.json next to the database, changed by flags.
	n, code := nodeFromFlags(fs, node.Path(*dbPath), log)
	if code != 0 {
		return code
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

	if n.Role == node.Kiosk || n.Role == node.Display {
		return st.runHallScreen()
	}

	w := a.NewWindow("便民 · 好差评")
	w.SetMaster()
	fitToScreen(w, fyne.NewSize(1280, 800))
	be := st.backend()
	env := &screens.Env{Win: w, Log: log, Timeout: 10 * time.Minute}
	if sysprint.Available() {
		env.PrintPDF = func(ctx context.Context, path string) (string, error) { return printA4(ctx, *dbPath, path) }
	}
	screens.NewShell(env, be).Start()
	w.ShowAndRun()
	return 0
}

// nodeFromFlags is this PC's node.json at np changed by the flags given
// (saved when they change it); a non-zero code is the exit code, after a
// message on stderr.
func nodeFromFlags(fs *flag.FlagSet, np string, log *slog.Logger) (node.Node, int) {
	n, err := node.Load(np)
	if err != nil {
		fmt.Fprintln(os.Stderr, "本机角色设置文件有误，请检查或删除后重新设置 / bad node.json:", err)
		return n, 1
	}
	before := n
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	// In this order: a join decides role, hub and window, which the window
	// flag given with it may still change.
	if v, ok := set["role"]; ok {
		n.Role = v
	}
	if v, ok := set["hub"]; ok {
		n.Hub = strings.TrimRight(v, "/")
	}
	if v, ok := set["join"]; ok {
		j, err := node.Join(context.Background(), n, v)
		if err != nil {
			fmt.Fprintln(os.Stderr, app.UserMessage(err))
			log.Error("join failed", "err", err)
			return n, 1
		}
		n = j
	}
	if _, ok := set["window"]; ok {
		n.Window = fs.Lookup("window").Value.(flag.Getter).Get().(int)
	}
	if v, ok := set["listen"]; ok {
		n.Listen = v
		if v == "off" {
			n.Listen = ""
		}
	}
	if v, ok := set["tablet"]; ok {
		n.Tablet = v == "on"
	}
	if err := n.Check(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return n, 2
	}
	if n != before {
		if err := node.Save(np, n); err != nil {
			fmt.Fprintln(os.Stderr, "无法保存本机角色设置 / cannot save node.json:", err)
			return n, 1
		}
	}
	return n, 0
}

// runHallScreen runs a kiosk or a hall display: no database and no login,
// the hub's queue on a screen in the hall.
func (s *station) runHallScreen() int {
	if err := s.ConnectHall(); err != nil {
		fmt.Fprintln(os.Stderr, app.UserMessage(err))
		return 2
	}
	var w fyne.Window
	if s.Node().Role == node.Kiosk {
		w = s.showKiosk("便民服务中心")
	} else {
		w = s.showHallDisplay("便民服务中心")
	}
	w.SetMaster()
	s.Log().Info("screen shown", "screen", s.Node().Role)
	s.a.Run()
	return 0
}

// backend is what the main window's screens call for this PC: opening the
// centre, joining it, documents saved next to the database, the counter's
// devices and the first-start setup.
func (s *station) backend() screens.Backend {
	return screens.Backend{
		Open: func(ctx context.Context) (*app.Service, error) {
			svc, err := s.Open(ctx)
			if err != nil {
				return nil, err
			}
			if s.Node().Role == node.Counter {
				return svc, nil // the hub keeps the centre's reports
			}
			// Last month's report, kept in reports/ next to the database.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				if p, err := cli.AutoMonthReport(ctx, svc, s.DBPath()); err != nil {
					s.Log().Warn("monthly report not generated", "err", err)
				} else if p != "" {
					s.Log().Info("monthly report generated", "path", p)
				}
			}()
			return svc, nil
		},
		FirstStart: func(err error) bool { return s.Node().Role != node.Counter && errors.Is(err, wire.ErrNotInitialised) },
		Join: func(ctx context.Context, code string) (string, error) {
			j, err := node.Join(ctx, s.Node(), code)
			if err != nil {
				return "", err
			}
			if err := node.Save(node.Path(s.DBPath()), j); err != nil {
				return "", err
			}
			s.Log().Info("joined the centre", "role", j.Role, "window", j.Window, "hub", j.Hub)
			if j.Role == node.Counter {
				return fmt.Sprintf("本机为 %d 号窗口电脑", j.Window), nil
			}
			return "本机为" + node.RoleName(j.Role), nil
		},
		Report: func(ctx context.Context, svc *app.Service, month time.Time, by string) (string, error) {
			return cli.SaveMonthReport(ctx, svc, s.DBPath(), month, by)
		},
		WorkOrderSheets: func(ctx context.Context, svc *app.Service, actor *app.Staff, ids []int64) (string, error) {
			return cli.SaveWorkOrders(ctx, svc, actor, s.DBPath(), ids)
		},
		CallList: func(ctx context.Context, svc *app.Service, list *app.CallbackList) (string, error) {
			return cli.SaveCallList(ctx, svc, s.DBPath(), list)
		},
		LedgerXLSX: func(ctx context.Context, svc *app.Service, actor *app.Staff, f app.LedgerFilter) (string, error) {
			return cli.SaveLedgerXLSX(ctx, svc, actor, s.DBPath(), f)
		},
		WorkOrderSheet: func(ctx context.Context, svc *app.Service, actor *app.Staff, id int64) (string, error) {
			return cli.SaveWorkOrder(ctx, svc, actor, s.DBPath(), id)
		},
		BlankForms: func(ctx context.Context, svc *app.Service, n int) (string, error) {
			if s.DB() == nil {
				return "", errors.New("database not open")
			}
			return cli.SaveBlankForms(ctx, svc, s.DB(), s.DBPath(), n)
		},
		Backup: func(ctx context.Context) (string, error) {
			if s.DB() == nil {
				return "", errors.New("database not open")
			}
			return cli.SaveBackup(ctx, s.DB(), s.DBPath(), time.Now())
		},
		Counter:     s.counterDeps,
		CounterOnly: s.Node().Role == node.Counter,
		Tools:       s.tools,
		Devices:     deviceWatch{s},
		Setup: func(ctx context.Context, in screens.SetupInput) (string, error) {
			_, err := wire.InitCentre(ctx, s.DBPath(), in.Profile, in.Name, in.AreaCode,
				wire.Manager{No: in.ManagerNo, Name: in.ManagerName, PIN: in.PIN}, false, s.Log())
			if err != nil {
				return "", err
			}
			if !in.Demo {
				return "", nil
			}
			if err := wire.LoadDemoProgress(ctx, s.DBPath(), demoDays, 1, in.Progress); err != nil {
				return "", err
			}
			return fmt.Sprintf("已载入%d天的演示数据。请用刚才设置的负责人工号 %s 和密码登录。", demoDays, in.ManagerNo), nil
		},
	}
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
