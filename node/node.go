// Package node is this PC's place in the centre: its role (单机, 窗口,
// 取号机, 大厅屏), how it reaches the hub, and joining the centre with a code,
// kept in node.json next to the database; and the Station, what the PC runs
// for its role (database, queue, devices, LAN hub, forwarder, county upload).
// No window and no cgo: the window shows its screens over a Station, and the
// tests here run without a display.
package node

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/sync/lan"
	"bianmin/wire"
)

// Roles of a PC in the centre (ARCHITECTURE.md "One binary, several roles").
const (
	Standalone = "standalone" // 单机: hub and counter in one process (the default)
	Counter    = "counter"    // 窗口: the clerk's PC, talking to the hub
	Kiosk      = "kiosk"      // 取号机
	Display    = "display"    // 大厅屏
)

// Node is this PC's role and how it reaches the hub, kept in node.json next
// to the database so an IT person sets it once (by flags) and the clerk just
// starts the program. Flags given on a later start change it.
type Node struct {
	Role   string `json:"role"`
	Hub    string `json:"hub,omitempty"`    // the hub's address, https://192.168.1.10:8787
	Pin    string `json:"pin,omitempty"`    // the pin of the hub's certificate (from the join code)
	Key    string `json:"key,omitempty"`    // this PC's credential at the hub (lan.Credential)
	Window int    `json:"window,omitempty"` // this PC's window number (counter; standalone default)
	Listen string `json:"listen,omitempty"` // standalone: also serve the LAN API here (hub with a window)
	// Tablet turns the customer-facing rating window (窗口双屏) on; the
	// keypad is then not asked, so one visit is never offered twice.
	Tablet bool `json:"tablet,omitempty"`
	// Display remembers the hall display's full-screen state.
	FullScreen bool `json:"fullscreen,omitempty"`
}

// Path is node.json next to the database at dbPath.
func Path(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), "node.json") }

// Load reads node.json; a missing file is a standalone PC.
func Load(path string) (Node, error) {
	n := Node{Role: Standalone}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return n, nil
	}
	if err != nil {
		return n, err
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return n, fmt.Errorf("%s: %w", path, err)
	}
	if n.Role == "" {
		n.Role = Standalone
	}
	return n, nil
}

// Save writes node.json atomically (it holds the centre key: owner only).
func Save(path string, n Node) error {
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Check says in Chinese what is missing for the role.
func (n Node) Check() error {
	switch n.Role {
	case Standalone:
		return nil
	case Counter, Kiosk, Display:
		if n.Hub == "" || n.Key == "" || n.Pin == "" {
			return fmt.Errorf("%s尚未加入中心：请中心负责人在中心主机上添加本机（局域网电脑 → 添加，或 bianmin pc add），再用加入码运行一次 bianmin join 加入码", RoleName(n.Role))
		}
		if err := lan.CheckHubURL(n.Hub); err != nil {
			return errors.New(app.UserMessage(err))
		}
		if n.Role == Counter && n.Window <= 0 {
			return fmt.Errorf("窗口电脑需要窗口号：请用 --window 3 启动一次（会保存）")
		}
		return nil
	}
	return fmt.Errorf("未知的角色 %q：可用 standalone（单机）、counter（窗口）、kiosk（取号机）、display（大厅屏）", n.Role)
}

// RoleName is the role in Chinese.
func RoleName(r string) string {
	switch r {
	case Counter:
		return "窗口电脑"
	case Kiosk:
		return "取号机"
	case Display:
		return "大厅屏"
	}
	return "单机"
}

// Join enrolls this PC at the hub with a join code and returns n with
// what the hub decided: the role, the window, the hub's address and pin,
// and this PC's own credential.
func Join(ctx context.Context, n Node, code string) (Node, error) {
	j, err := lan.ParseJoinCode(code)
	if err != nil {
		return n, err
	}
	host, _ := os.Hostname()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := lan.Join(ctx, j, host)
	if err != nil {
		return n, err
	}
	n.Role, n.Hub, n.Pin, n.Key, n.Window = string(res.Role), j.URL(), j.Pin, string(res.Credential), res.Window
	return n, nil
}

// RunJoin is `bianmin join 加入码 [--db PATH]`: join without opening a
// window (an IT person setting PCs up, or a silent install), saving node.json.
func RunJoin(args []string) int {
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	dbPath := fs.String("db", "", "database file (default: the user config folder)")
	// The code may come before or after --db.
	var code string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		code, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if code == "" && fs.NArg() == 1 {
		code = fs.Arg(0)
	}
	if code == "" {
		fmt.Fprintln(os.Stderr, "用法：bianmin join 加入码 [--db 数据库文件]（加入码由中心负责人在中心主机上添加本机时得到）\nusage: bianmin join CODE [--db PATH]")
		return 2
	}
	if !DataPath(dbPath) {
		return 1
	}
	np := Path(*dbPath)
	n, err := Load(np)
	if err != nil {
		fmt.Fprintln(os.Stderr, "本机角色设置文件有误 / bad node.json:", err)
		return 1
	}
	n, err = Join(context.Background(), n, code)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s\njoin: %v\n", app.UserMessage(err), err)
		return 1
	}
	if err := Save(np, n); err != nil {
		fmt.Fprintln(os.Stderr, "无法保存本机角色设置 / cannot save node.json:", err)
		return 1
	}
	what := RoleName(n.Role)
	if n.Role == Counter {
		what = fmt.Sprintf("%d号窗口电脑", n.Window)
	}
	fmt.Printf("已加入中心：本机为%s，中心主机 %s。以后直接打开程序即可。\n", what, n.Hub)
	return 0
}

// DataPath fills in the default database path and makes its folder, saying
// in Chinese on stderr what failed.
func DataPath(dbPath *string) bool {
	if *dbPath == "" {
		p, err := wire.DefaultDBPath()
		if err != nil {
			fmt.Fprintln(os.Stderr, "找不到用户配置目录，请用 --db 指定数据库文件 / no config dir, use --db:", err)
			return false
		}
		*dbPath = p
	}
	if err := os.MkdirAll(filepath.Dir(*dbPath), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "无法创建数据目录 / cannot create the data folder:", err)
		return false
	}
	return true
}
