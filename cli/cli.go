// Package cli is bianmin's command line: init, demo, stats, export, backup
// and check. Run is called by main with the arguments after the program name.
// Messages for people are Chinese first, with the English detail after them;
// the log (log/slog, English key-value) goes to stderr.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin/app"
	_ "bianmin/app/locale" // Fyne reads the locale; C would print an error on every run
	"bianmin/storage"
	"bianmin/wire"
)

const usage = `便民服务中心“好差评”系统 命令行 / bianmin command line

用法 Usage: bianmin <命令 command> [选项 options]

命令 Commands:
  init     新建中心数据库 / create the centre's database
           --db PATH --profile national|shenzhen|taian --centre 名称 --area 12位区划代码
           [--manager-no 0001 --manager-name 中心负责人 --manager-pin 123456] [--force]
  demo     生成演示数据 / fill a new database with a demo centre
           --db PATH [--days 90] [--seed 1] [--profile national] [--end YYYY-MM-DD]
  stats    统计好差评指标 / GB/T 39735 metrics for a period (--to is inclusive)
           --db PATH --from YYYY-MM-DD --to YYYY-MM-DD [--by window|clerk|item] [--json]
  export   导出明细 / export records
           --db PATH --what evaluations|transactions|workorders --format csv|xlsx --out FILE [--from --to]
  backup   在线备份 / consistent backup while the app runs
           --db PATH --out FILE
  check    数据库完整性检查 / integrity check (exit 1 when problems are found)
           --db PATH
  sync     上传到县级好差评平台 / upload to the county platform (flags are saved)
           --db PATH [--county URL --key KEY --secret SECRET] [--interval 5m]
           [--once] [--status] [--rejected] [--requeue 编号]
  county-sim 县级平台模拟器 / county platform simulator for tests and demos
           --listen 127.0.0.1:8790 --db PATH [--key demo --secret demo-secret]
           [--fail-rate 0.2] [--latency 50ms] [--drop-response 0.1] [--down-for 1m]
  report   月度报告 PDF / xlsx / the manager's monthly report
           --db PATH --month YYYY-MM --out FILE.pdf [--xlsx FILE.xlsx] [--author 姓名]
  ledger   差评台账 xlsx / the bad-review ledger as a workbook (with the daily summary)
           --db PATH --out FILE.xlsx [--from YYYY-MM-DD --to YYYY-MM-DD] [--open]
           以第一个在用的负责人账号读取 / read as the centre's first active manager
  workorder 打印差评工单 PDF / work-order sheets
           --db PATH --id 工单号[,工单号…] --out FILE.pdf
  forms    打印书面评价表 PDF / paper evaluation forms
           --db PATH (--blank N | --for 流水号[,流水号…]) --out FILE.pdf [--layout a4x2|a4x4|a5]
  callback 办件随机抽评电话回访 / quarterly random call-back sample (TA)
           --db PATH --quarter 2026Q3 [--n 20] [--seed S] --out FILE.pdf
           --db PATH --record 流水号 (--level 1-5 [--tags a,b] [--text 意见] | --unreached [--note 原因])
  printers 系统打印机（Windows 打印机 / CUPS）：列出（* 为默认）、打印测试 / the system's printers
           [--test 打印机名 [--paper 58|80]] [--pdf FILE.pdf [--printer 打印机名]]
  reminders 待提醒评价办件（含手机号，供短信平台）/ transactions due a rating reminder
           --db PATH --out FILE.csv|FILE.xlsx
  sim      设备模拟器（伪终端）/ device simulators on a pseudo-terminal
           keypad --port LINK [--mode frame|ascii] [--stars N] [--delay 2s]
           printer --port LINK --out DIR [--status ok|paperout|coveropen|offline]
           idcard --port LINK [--name 姓名 --number 身份证号]

  update   安装新版本（只安装发布者签名的文件）/ install a new version the publisher signed
           --db PATH [--check]                     县级平台下发的 / the county's announced one
           --file bianmin.exe [--sig FILE.minisig]  离线（U盘）/ offline, from a file
  release-key  生成发布者密钥对（私钥加密，口令取自 BIANMIN_SIGN_PASSWORD）/ publisher key pair
           --out DIR
  release-sign 为发布的程序文件签名 / sign a release file (FILE.minisig)
           --key FILE --platform GOOS/GOARCH [--version V] FILE
  version  显示版本 / print the version
  serve    中心主机：排队叫号局域网服务（无窗口）/ the centre's LAN hub, no window
  pc       中心主机：添加、列出、撤销局域网电脑 / add, list, revoke the PCs that use the hub
  join     本机用加入码加入中心（窗口电脑、取号机、大厅屏）/ join this PC to the centre
           --db PATH --listen ADDR [--key 中心密钥]
           首次运行生成中心密钥并显示一次 / first run generates and shows the centre key
不带命令运行时打开桌面窗口。 Without a command the desktop window opens.
`

// Run runs one CLI command and returns the process exit code:
// 0 ok, 1 failed, 2 bad usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	return newCmd(ctx, stdout, stderr).run(args)
}

// newCmd is a command writing to stdout and stderr, on the system's clock.
func newCmd(ctx context.Context, stdout, stderr io.Writer) *cmd {
	return &cmd{ctx: ctx, out: stdout, err: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		now: func() time.Time { return time.Now().In(app.ChinaTime) }, open: openInViewer}
}

// run runs the command args names.
func (c *cmd) run(args []string) int {
	// A terminal in a GBK locale passes names as GBK bytes: stored, they
	// would show as garbage everywhere and break the county upload. Nothing
	// is written from arguments that are not UTF-8.
	for i, a := range args {
		if !utf8.ValidString(a) {
			return c.usageErr("参数中有无法识别的文字（不是UTF-8编码），未作任何更改；请把终端的字符编码设为UTF-8后重新输入。",
				fmt.Sprintf("argument %d is not valid UTF-8: %q", i, a))
		}
	}
	var run func([]string) int
	switch args[0] {
	case "init":
		run = c.init
	case "demo":
		run = c.demo
	case "stats":
		run = c.stats
	case "export":
		run = c.export
	case "backup":
		run = c.backup
	case "check":
		run = c.check
	case "sync":
		run = c.sync
	case "county-sim":
		run = c.countySim
	case "report":
		run = c.report
	case "sim":
		run = c.sim
	case "callback":
		run = c.callback
	case "reminders":
		run = c.reminders
	case "forms":
		run = c.forms
	case "ledger":
		run = c.ledger
	case "workorder":
		run = c.workorder
	case "printers":
		run = c.printers
	case "update":
		run = c.update
	case "release-key":
		run = c.releaseKey
	case "release-sign":
		run = c.releaseSign
	case "version":
		fmt.Fprintln(c.out, "bianmin", app.Version)
		return 0
	case "serve":
		run = c.serve
	case "pc":
		run = c.pc
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.out, usage)
		return 0
	default:
		fmt.Fprintf(c.err, "未知命令：%s / unknown command %q\n\n", args[0], args[0])
		fmt.Fprint(c.err, usage)
		return 2
	}
	return run(args[1:])
}

type cmd struct {
	ctx context.Context
	out io.Writer
	err io.Writer
	log *slog.Logger
	// now is the commands' clock: what `report` says it was generated at,
	// what `ledger` counts as overdue (tests fix it).
	now func() time.Time
	// open shows a written file in the system's program (--open).
	open func(path string) error
}

// flags makes a sub-command's flag set with the --db flag.
func (c *cmd) flags(name, help string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.err)
	def, _ := wire.DefaultDBPath()
	db := fs.String("db", def, "数据库文件 / database file")
	fs.Usage = func() {
		fmt.Fprintf(c.err, "用法 Usage: bianmin %s %s\n", name, help)
		fs.PrintDefaults()
	}
	return fs, db
}

// parse parses flags; it returns the exit code to use when parsing failed.
func (c *cmd) parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if f := fs.Lookup("db"); f != nil && strings.TrimSpace(f.Value.String()) == "" {
		fmt.Fprintln(c.err, "请用 --db 指定数据库文件。\n--db is required (no user config directory for the default)")
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.err, "多余的参数：%s / unexpected arguments: %s\n", strings.Join(fs.Args(), " "), strings.Join(fs.Args(), " "))
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// usageErr reports a bad option value: exit 2.
func (c *cmd) usageErr(zh, en string) int {
	fmt.Fprintf(c.err, "%s\n%s\n", zh, en)
	return 2
}

// fail reports err: a Chinese first line saying what happened and what to do,
// then the English detail. It returns exit code 1.
func (c *cmd) fail(what string, err error) int {
	fmt.Fprintf(c.err, "%s\n%s: %v\n", zhMessage(err), what, err)
	c.log.Error(what+" failed", "err", err)
	return 1
}

// zhMessage is the Chinese line for an error.
func zhMessage(err error) string {
	var ue *app.UserError
	msg := err.Error()
	switch {
	case errors.As(err, &ue):
		return ue.Msg
	case errors.Is(err, wire.ErrNotInitialised):
		return "数据库尚未初始化：请先运行 bianmin init 新建中心。"
	case errors.Is(err, wire.ErrAlreadyInitialised):
		return "该数据库已有中心设置，未作任何更改；如确需重新设置，请加 --force。"
	case errors.Is(err, app.ErrUnknownProfile):
		return "未知的评价规则（profile），内置规则：" + strings.Join(app.BuiltinProfiles(), "、") + "。"
	case errors.Is(err, storage.ErrNewerSchema):
		return "该数据库由更新版本的便民系统写入，当前程序版本过旧，未作任何更改；请升级程序后再打开。"
	case errors.Is(err, storage.ErrReadOnly):
		return "数据库文件或其所在目录不可写，未作任何更改；请检查权限或换一个目录。"
	case strings.Contains(msg, "disk is full") || strings.Contains(msg, "no space left"):
		return "磁盘空间已满，操作未完成；请清理磁盘后重试（已有数据未受影响）。"
	case strings.Contains(msg, "profile override") || strings.Contains(msg, "profile \""):
		return "县级评价规则文件（" + wire.CountyProfileFile + "）有误，请按提示修正后重试。"
	case strings.Contains(msg, "holiday overrides"):
		return "节假日调整文件（" + wire.HolidaysFile + "）有误，请按提示修正后重试。"
	case errors.Is(err, fs.ErrExist):
		return "目标文件已存在，为防止覆盖未作任何更改；请换一个文件名。"
	case errors.Is(err, fs.ErrPermission):
		return "没有权限读写该文件或目录，请检查权限。"
	case errors.Is(err, fs.ErrNotExist):
		return "找不到文件或目录，请检查路径。"
	case strings.Contains(msg, "not a bianmin database"):
		return "该文件不是便民系统的数据库，未作任何更改。"
	case strings.Contains(msg, "damaged"):
		return "数据库文件已损坏，请用最近的备份恢复。"
	case strings.Contains(msg, "locked"):
		return "数据库正被其他程序占用，请稍后重试。"
	case strings.Contains(msg, "cannot be opened or created"):
		return "无法打开或创建数据库文件，请检查路径和目录权限。"
	}
	return "操作未完成，详见下面的英文说明。"
}
