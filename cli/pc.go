package cli

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/wire"
)

// pc manages the PCs that may use the hub: add (prints the join code),
// list, revoke. It runs on the hub, on its database.
func (c *cmd) pc(args []string) int {
	if len(args) == 0 {
		return c.usageErr("用法：bianmin pc add|list|revoke --db 中心主机数据库 …", "usage: bianmin pc add|list|revoke --db PATH …")
	}
	switch args[0] {
	case "add":
		return c.pcAdd(args[1:])
	case "list":
		return c.pcList(args[1:])
	case "revoke":
		return c.pcRevoke(args[1:])
	}
	return c.usageErr("bianmin pc 之后应为 add（添加）、list（列出）或 revoke（撤销）。", fmt.Sprintf("unknown pc command %q", args[0]))
}

func (c *cmd) pcAdd(args []string) int {
	fs, db := c.flags("pc add", "--db PATH --role counter|kiosk|display [--window N] [--name 名称] [--addr 主机:端口]")
	role := fs.String("role", "", "counter（窗口电脑）| kiosk（取号机）| display（大厅屏）")
	window := fs.Int("window", 0, "窗口电脑的窗口号 / the counter's window number")
	name := fs.String("name", "", "名称，例如 3号窗口电脑 / a name for the list")
	addr := fs.String("addr", "", "该电脑连接中心主机的地址（默认本机局域网地址:8787）/ the hub's host:port")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	r := app.PCRole(*role)
	if !r.Valid() {
		return c.usageErr("--role 只能是 counter（窗口电脑）、kiosk（取号机）或 display（大厅屏）。", fmt.Sprintf("bad --role %q", *role))
	}
	if r == app.PCCounter && *window <= 0 {
		return c.usageErr("窗口电脑需要 --window 窗口号。", "--window is required for a counter")
	}
	a := *addr
	if a == "" {
		addrs := wire.HubAddrs(&net.TCPAddr{IP: net.IPv4zero, Port: 8787})
		if len(addrs) == 0 {
			return c.usageErr("找不到本机的局域网地址，请用 --addr 指定，例如 --addr 192.168.1.10:8787。", "no LAN address; use --addr")
		}
		a = addrs[0]
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		return c.usageErr("--addr 应为 主机:端口，例如 192.168.1.10:8787。", err.Error())
	}
	_, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("pc add", err)
	}
	defer d.Close()
	reg, err := wire.HubRegistry(c.ctx, d, c.log)
	if err != nil {
		return c.fail("pc add", err)
	}
	p, code, err := reg.Add(c.ctx, nil, r, *window, *name, a)
	if err != nil {
		return c.fail("pc add", err)
	}
	fmt.Fprintf(c.out, "已添加：%s（%s，编号 %d）。加入码（24小时内有效，只能用一次）：\n\n  %s\n\n", p.Name, r.Name(), p.ID, code)
	fmt.Fprintf(c.out, "在该电脑上运行：bianmin join %s\n（或打开程序时加 --join 加入码）。加入码请勿告诉无关人员。\n", code)
	return 0
}

func (c *cmd) pcList(args []string) int {
	fs, db := c.flags("pc list", "--db PATH")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	_, d, err := wire.Open(c.ctx, *db, c.log, wire.ModeRead)
	if err != nil {
		return c.fail("pc list", err)
	}
	defer d.Close()
	pcs, err := d.PCs(c.ctx)
	if err != nil {
		return c.fail("pc list", err)
	}
	ws, err := d.Windows(c.ctx)
	if err != nil {
		return c.fail("pc list", err)
	}
	if len(pcs) == 0 {
		fmt.Fprintln(c.out, "尚未添加任何电脑。用 bianmin pc add 添加。")
		return 0
	}
	fmt.Fprintln(c.out, pcTable(pcs, ws, time.Now()))
	return 0
}

// pcTable lists PCs as text, one per line.
func pcTable(pcs []app.PC, ws []app.Window, now time.Time) string {
	num := map[int64]int{}
	for _, w := range ws {
		num[w.ID] = w.Number
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %-14s %-8s %-6s %-12s %s\n", "编号", "名称", "角色", "窗口", "状态", "加入时间/主机名")
	for _, p := range pcs {
		win := "—"
		if p.WindowID != 0 {
			win = strconv.Itoa(num[p.WindowID])
		}
		joined := "—"
		if !p.EnrolledAt.IsZero() {
			joined = p.EnrolledAt.Format("2006-01-02 15:04") + " " + p.Host
		}
		fmt.Fprintf(&b, "%-4d %-14s %-8s %-6s %-12s %s\n", p.ID, p.Name, p.Role.Name(), win, p.State(now), joined)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (c *cmd) pcRevoke(args []string) int {
	fs, db := c.flags("pc revoke", "--db PATH --id 编号")
	id := fs.Int64("id", 0, "要撤销的电脑编号（bianmin pc list）/ the PC's number")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if *id <= 0 {
		return c.usageErr("请用 --id 指定要撤销的电脑编号（见 bianmin pc list）。", "--id is required")
	}
	_, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("pc revoke", err)
	}
	defer d.Close()
	reg, err := wire.HubRegistry(c.ctx, d, c.log)
	if err != nil {
		return c.fail("pc revoke", err)
	}
	if err := reg.Revoke(c.ctx, nil, *id); err != nil {
		return c.fail("pc revoke", err)
	}
	fmt.Fprintf(c.out, "已撤销编号 %d 的电脑：它的下一次请求即被拒绝。\n", *id)
	return 0
}
