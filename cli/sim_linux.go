package cli

import (
	"bufio"
	"context"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"bianmin/devices"
	"bianmin/devices/escpos"
	"bianmin/devices/idcard"
	"bianmin/devices/keypad"
	"bianmin/devices/serialport"
	"bianmin/printing"
)

// sim runs a device simulator on a pseudo-terminal pair, with a stable link
// name (--port) pointing at the slave, so bianmin (or a colleague's test) opens
// it through tarm/serial exactly like a USB-serial keypad or printer.
func (c *cmd) sim(args []string) int {
	if len(args) == 0 || (args[0] != "keypad" && args[0] != "printer" && args[0] != "idcard") {
		return c.usageErr("用法：bianmin sim keypad|printer|idcard --port 路径 …", "usage: bianmin sim keypad|printer|idcard --port PATH …")
	}
	kind := args[0]
	fs, _ := c.flags("sim "+kind, "--port PATH …")
	port := fs.String("port", "", "在此路径创建指向模拟串口的链接 / link to create for the simulated port")
	mode := fs.String("mode", "frame", "评价器协议 ascii|frame / keypad protocol")
	addr := fs.Int("addr", 1, "评价器地址 / frame keypad address")
	stars := fs.Int("stars", 0, "每次评价的星级（0 为随机）/ stars for every rating (0 = random)")
	delay := fs.Duration("delay", 2*time.Second, "评价前的等待 / time the person takes")
	seed := fs.Uint64("seed", 1, "随机种子 / random seed")
	out := fs.String("out", "", "打印件保存目录 / directory for printed jobs (printer)")
	status := fs.String("status", "ok", "打印机状态 ok|paperout|coveropen|offline / printer status")
	name := fs.String("name", devices.SampleCard.Name, "读卡器上身份证的姓名 / name on the card (idcard)")
	number := fs.String("number", devices.SampleCard.Number, "身份证号码 / the card's number (idcard)")
	if code, ok := c.parse(fs, args[1:]); !ok {
		return code
	}
	if *port == "" {
		return c.usageErr("请用 --port 指定模拟串口的链接路径，例如 /tmp/bianmin-keypad", "--port is required")
	}
	pty, err := serialport.OpenPTY()
	if err != nil {
		return c.fail("open pty", err)
	}
	defer pty.Close()
	_ = os.Remove(*port)
	if err := os.Symlink(pty.SlaveName, *port); err != nil {
		return c.fail("link "+*port, err)
	}
	defer os.Remove(*port)
	ctx, stop := context.WithCancel(c.ctx)
	defer stop()
	// Closing the master is what ends a simulator blocked in a read.
	go func() { <-ctx.Done(); pty.Close() }()

	o := simOptions{port: *port, mode: *mode, addr: *addr, stars: *stars, delay: *delay, seed: *seed, out: *out,
		status: *status, name: *name, number: *number}
	switch kind {
	case "idcard":
		return c.simIDCard(ctx, pty, o)
	case "keypad":
		return c.simKeypad(ctx, pty, o)
	default:
		return c.simPrinter(ctx, pty, o)
	}
}

// simOptions are sim's flags.
type simOptions struct {
	port, mode, out, status, name, number string
	addr, stars                           int
	delay                                 time.Duration
	seed                                  uint64
}

// simIDCard is an ID card reader with a card on it; Enter on stdin lifts or
// places the card.
func (c *cmd) simIDCard(ctx context.Context, pty *serialport.PTY, o simOptions) int {
	card := devices.SampleCard
	card.Name, card.Number = o.name, strings.ToUpper(strings.TrimSpace(o.number))
	sim := &idcard.Sim{RW: pty.Master}
	sim.Place(card)
	fmt.Fprintf(c.out, "模拟读卡器已就绪：%s → %s（115200 波特），已放上 %s 的身份证；回车取走或放回 / id card reader simulator ready, Enter lifts or places the card\n",
		o.port, pty.SlaveName, card.Name)
	go func() {
		placed := true
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if placed {
				sim.Remove()
				fmt.Fprintln(c.out, "身份证已取走 / card lifted")
			} else {
				sim.Place(card)
				fmt.Fprintln(c.out, "身份证已放上 / card placed")
			}
			placed = !placed
		}
	}()
	if err := sim.Run(ctx); err != nil && ctx.Err() == nil {
		return c.fail("id card simulator", err)
	}
	return 0
}

// simKeypad is a rating keypad: keys typed on stdin (ascii), or a frame
// keypad that answers each rating request at random or with --stars.
func (c *cmd) simKeypad(ctx context.Context, pty *serialport.PTY, o simOptions) int {
	fmt.Fprintf(c.out, "模拟评价器已就绪：%s → %s（%s 协议）/ keypad simulator ready\n", o.port, pty.SlaveName, o.mode)
	if o.mode == "ascii" {
		fmt.Fprintln(c.out, "输入按键后回车发送，例如 5 或 2AB（2星，原因键A、B）/ type keys and Enter")
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if _, err := pty.Master.Write([]byte(strings.TrimSpace(sc.Text()))); err != nil {
				return c.fail("write keys", err)
			}
		}
		return 0
	}
	r := rand.New(rand.NewPCG(o.seed, 7))
	sim := &keypad.Sim{RW: pty.Master, Addr: byte(o.addr), Model: "BMK-SIM", Firmware: "1.0",
		Rate: func(st keypad.StartRating) (*keypad.Result, time.Duration) {
			s := byte(o.stars)
			if s == 0 {
				s = []byte{5, 5, 5, 5, 4, 4, 3, 2, 1}[r.IntN(9)]
			}
			res := &keypad.Result{Txn: st.Txn, Stars: s}
			if s <= 2 && st.AskReasons {
				res.Reasons = []byte{byte(1 + r.IntN(7))}
			}
			fmt.Fprintf(c.out, "%s 办件 %s（%s %s）：%d星 %v\n", time.Now().Format("15:04:05"), st.Txn, st.ClerkNo, st.ClerkName, s, res.Reasons)
			return res, o.delay
		}}
	if err := sim.Run(ctx); err != nil && ctx.Err() == nil {
		return c.fail("keypad simulator", err)
	}
	return 0
}

// simPrinter is an ESC/POS printer saving each job and its preview in --out.
func (c *cmd) simPrinter(ctx context.Context, pty *serialport.PTY, o simOptions) int {
	if o.out == "" {
		return c.usageErr("请用 --out 指定打印件保存目录", "--out is required for the printer simulator")
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return c.fail("create "+o.out, err)
	}
	ps := &devices.PrinterSim{}
	switch o.status {
	case "paperout":
		ps.SetStatus(escpos.Status{PaperOut: true})
	case "coveropen":
		ps.SetStatus(escpos.Status{CoverOpen: true})
	case "offline":
		ps.SetStatus(escpos.Status{Offline: true})
	}
	var n atomic.Int64
	ps.OnJob = func(job []byte) {
		i := n.Add(1)
		base := filepath.Join(o.out, fmt.Sprintf("job-%04d", i))
		// The preview first: the .bin appearing means the job is complete.
		if img, err := printing.Preview(job, escpos.Profile80); err == nil {
			if f, err := os.Create(base + ".png"); err == nil {
				_ = png.Encode(f, img)
				f.Close()
			}
		}
		_ = os.WriteFile(base+".bin", job, 0o644)
		fmt.Fprintf(c.out, "%s 收到打印件 %d 字节 → %s.png\n", time.Now().Format("15:04:05"), len(job), base)
	}
	fmt.Fprintf(c.out, "模拟打印机已就绪：%s → %s，打印件保存在 %s / printer simulator ready\n", o.port, pty.SlaveName, o.out)
	done := make(chan struct{})
	go func() { ps.Serve(pty.Master); close(done) }()
	select {
	case <-ctx.Done():
	case <-done:
	}
	return 0
}
