//go:build linux

package devices

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/devices/devconf"
	"bianmin/devices/escpos"
	"bianmin/devices/keypad"
	"bianmin/devices/serialport"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func startRig(t *testing.T, e *env, cfg devconf.Config, stars int) (*WindowRig, chan Outcome) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	rig, err := StartWindow(ctx, cfg, WindowOptions{Rater: e.svc, Audit: e.db, BadTags: e.svc.Profile.Tags.Bad,
		Device: "3号窗口评价器", Centre: "测试中心", ConfigPath: filepath.Join(dir, devconf.FileName),
		SimDir: filepath.Join(dir, "printed"), SimStars: stars, SimDelay: 20 * time.Millisecond, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); rig.Close() })
	outcomes := make(chan Outcome, 8)
	rig.OnRated(func(o Outcome) { outcomes <- o })
	return rig, outcomes
}

func waitState(t *testing.T, rig *WindowRig, i int, want devconf.State) devconf.Status {
	t.Helper()
	var st devconf.Status
	waitFor(t, string(want), func() bool { st = rig.Status()[i]; return st.State == want })
	return st
}

func nextOutcome(t *testing.T, ch chan Outcome) Outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no rating arrived from the keypad")
	}
	return Outcome{}
}

// A PC with no devices configured: a simulated keypad and printer on ptys,
// reached through the real serial path. A completed transaction is rated
// once (channel keypad), a receipt prints with its preview PNG, and the
// keypad comes back after an unplug.
func TestWindowSimulatedDevicesEndToEnd(t *testing.T) {
	e := newEnv(t)
	rig, outcomes := startRig(t, e, devconf.Default(), 4)
	kp := waitState(t, rig, 0, devconf.StateConnected)
	if !kp.Simulated || !strings.Contains(kp.Text, "模拟评价器") {
		t.Errorf("keypad line %+v", kp)
	}
	pr := waitState(t, rig, 1, devconf.StateConnected)
	if !pr.Simulated || !strings.Contains(pr.String(), "打印机：已连接（模拟打印机") {
		t.Errorf("printer line %q", pr.String())
	}

	clerk := app.Staff{No: "0107", Name: "张三"}
	if err := rig.StartRating(e.tx, clerk, 3); err != nil {
		t.Fatal(err)
	}
	o := nextOutcome(t, outcomes)
	if !o.Stored || o.Level != app.LevelGood || o.Serial != e.tx.Serial || o.Text() != "已收到评价：满意" {
		t.Fatalf("outcome %+v %q", o, o.Text())
	}
	evs, err := e.db.EvaluationsFor(context.Background(), []int64{e.tx.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Channel != app.ChannelKeypad || evs[0].Level != app.LevelGood || evs[0].Device != "3号窗口评价器" {
		t.Fatalf("evaluations %+v", evs)
	}
	run := rig.run()
	if got := run.kpSim.sim.Started; len(got) != 1 || got[0].Txn != e.tx.Serial || got[0].ClerkNo != "0107" || got[0].ClerkName != "张三" {
		t.Errorf("the keypad was asked %+v", got)
	}
	// Asking again for the same visit stores nothing more.
	if err := rig.StartRating(e.tx, clerk, 3); err != nil {
		t.Fatal(err)
	}
	if o := nextOutcome(t, outcomes); o.Stored {
		t.Fatalf("a second rating of one visit was stored: %+v", o)
	}
	if n := e.evalCount(t); n != 1 {
		t.Fatalf("%d evaluations after a second request, want 1", n)
	}

	// The receipt: a job on the simulated printer, with its preview.
	tx := e.tx
	tx.ApplicantName = "李四"
	if err := rig.PrintReceipt(context.Background(), tx, []string{"残疾人证申领"}, 3, clerk); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the receipt's preview", func() bool { return run.prSim.Count() == 1 && rig.Status()[1].Preview != "" })
	png := rig.Status()[1].Preview
	if fi, err := os.Stat(png); err != nil || fi.Size() == 0 {
		t.Fatalf("preview %q: %v", png, err)
	}
	if !strings.Contains(rig.Status()[1].Text, png) {
		t.Errorf("the status does not tell where the preview is: %q", rig.Status()[1].Text)
	}
	job, err := os.ReadFile(strings.TrimSuffix(png, ".png") + ".bin")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\xb0\xec\xbc\xfe\xbb\xd8\xd6\xb4", e.tx.Serial, "0107"} { // 办件回执 in GBK
		if !strings.Contains(string(job), want) {
			t.Errorf("the printed job lacks %q", want)
		}
	}
	if strings.Contains(string(job), "\xc0\xee\xcb\xc4") { // 李四 unmasked
		t.Error("the applicant's full name was printed")
	}

	// Unplug the keypad: reconnecting; plug it back: a new visit is rated.
	run.kpSim.unplug()
	st := waitState(t, rig, 0, devconf.StateReconnecting)
	if !strings.HasPrefix(st.Text, "正在重连") {
		t.Errorf("reconnecting line %q", st.Text)
	}
	if err := run.kpSim.replug(); err != nil {
		t.Fatal(err)
	}
	waitState(t, rig, 0, devconf.StateConnected)
	now := time.Now().In(app.ChinaTime)
	tx2, err := e.db.AddTransaction(context.Background(), app.Transaction{ItemCode: "I1", WindowID: e.tx.WindowID,
		ClerkID: e.tx.ClerkID, Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: now, CompletedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := rig.StartRating(tx2, clerk, 3); err != nil {
		t.Fatal(err)
	}
	if o := nextOutcome(t, outcomes); !o.Stored || o.Serial != tx2.Serial {
		t.Fatalf("after replug: %+v", o)
	}
}

// A keypad on a port that is not there: a Chinese error in the status and
// from StartRating; the rating is kept for when it comes.
func TestWindowMissingKeypadAndPaperOut(t *testing.T) {
	e := newEnv(t)
	link := filepath.Join(t.TempDir(), "ttyUSB9")
	cfg := devconf.Default()
	cfg.Keypad.Port = link
	cfg.Simulate = false
	// The printer: a real runner on a pty whose simulator is out of paper.
	pty, err := serialport.OpenPTY()
	if err != nil {
		t.Skip(err)
	}
	defer pty.Close()
	psim := &PrinterSim{}
	psim.SetStatus(escpos.Status{PaperOut: true})
	go psim.Serve(pty.Master)
	cfg.Printer = devconf.Printer{Enabled: true, Kind: devconf.KindSerial, Address: pty.SlaveName, Paper: 58, QR: devconf.QRRaster, Cut: "none"}
	rig, _ := startRig(t, e, cfg, 5)

	st := waitState(t, rig, 0, devconf.StateError)
	if !strings.Contains(st.Text, "找不到该串口") || !strings.Contains(st.Text, link) {
		t.Errorf("missing keypad line %q", st.Text)
	}
	err = rig.StartRating(e.tx, app.Staff{No: "0107"}, 3)
	if app.ErrorCode(err) != "keypad_offline" || !strings.Contains(app.UserMessage(err), "评价器未连接") {
		t.Errorf("StartRating on a missing keypad: %v (%s)", err, app.UserMessage(err))
	}
	if _, err := rig.TestKeypad(context.Background(), cfg.Keypad); !strings.Contains(app.UserMessage(err), "找不到该串口") {
		t.Errorf("测试 on a missing port: %v (%s)", err, app.UserMessage(err))
	}

	pr := waitState(t, rig, 1, devconf.StateError)
	if pr.String() != "打印机：错误：打印机缺纸，请装纸后重试" {
		t.Errorf("paper-out line %q", pr.String())
	}
	err = rig.PrintReceipt(context.Background(), e.tx, nil, 3, app.Staff{No: "0107"})
	var pe *PrintError
	if !errors.As(err, &pe) || !strings.Contains(app.UserMessage(err), "缺纸") {
		t.Errorf("receipt with no paper: %v (%s)", err, app.UserMessage(err))
	}
	if n := len(psim.Jobs()); n != 0 {
		t.Errorf("%d jobs reached a printer without paper", n)
	}
	psim.SetStatus(escpos.Status{})
	if err := rig.PrintNotice(context.Background(), e.tx, "残疾人证申领", []string{"户口簿", "近期免冠照片"}, 3, app.Staff{No: "0107"}); err != nil {
		t.Fatal(err)
	}
	waitState(t, rig, 1, devconf.StateConnected)
	waitFor(t, "the notice", func() bool { return len(psim.Jobs()) == 1 })
	if !strings.Contains(string(psim.Jobs()[0]), "\xbb\xa7\xbf\xda\xb2\xbe") { // 户口簿
		t.Error("the notice lacks the missing material")
	}
}

// Nothing configured and no simulation, or a disabled printer: clear
// statuses and Chinese refusals; saving writes the file and restarts the
// devices; TestPrinter and Preview on the simulated printer.
func TestWindowConfigureSaveAndTest(t *testing.T) {
	e := newEnv(t)
	cfg := devconf.Default()
	cfg.Simulate = false
	cfg.Printer.Enabled = false
	rig, outcomes := startRig(t, e, cfg, 5)
	st := rig.Status()
	if st[0].State != devconf.StateNone || !strings.Contains(st[0].Text, "未配置") {
		t.Errorf("keypad %+v", st[0])
	}
	if st[1].State != devconf.StateDisabled || st[1].String() != "打印机：已停用（不打印回执和告知单）" {
		t.Errorf("printer %+v", st[1])
	}
	if err := rig.StartRating(e.tx, app.Staff{}, 3); app.ErrorCode(err) != "no_keypad" {
		t.Errorf("rating with no keypad: %v", err)
	}
	if err := rig.PrintTicket(context.Background(), app.IssuedTicket{Ticket: app.Ticket{Number: "A001"}}, ""); app.ErrorCode(err) != "printer_disabled" {
		t.Errorf("ticket on a disabled printer: %v", err)
	}

	bad := devconf.Default()
	bad.Printer.Kind, bad.Printer.Address = devconf.KindTCP, "192.168.1.50"
	if err := rig.Save(context.Background(), bad); !strings.Contains(app.UserMessage(err), "IP:端口") {
		t.Errorf("saving a bad address: %v", err)
	}
	if _, err := os.Stat(rig.opts.ConfigPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused configuration was written: %v", err)
	}
	if err := rig.Save(context.Background(), devconf.Default()); err != nil {
		t.Fatal(err)
	}
	if got, err := devconf.Load(rig.opts.ConfigPath); err != nil || got != devconf.Default() {
		t.Fatalf("saved %+v, %v", got, err)
	}
	waitState(t, rig, 0, devconf.StateConnected)
	waitState(t, rig, 1, devconf.StateConnected)
	msg, err := rig.TestKeypad(context.Background(), devconf.Default().Keypad)
	if err != nil || !strings.Contains(msg, "评价器应答正常") {
		t.Errorf("测试 keypad: %q %v", msg, err)
	}
	msg, err = rig.TestPrinter(context.Background(), devconf.Default().Printer)
	if err != nil || !strings.Contains(msg, "模拟打印机") || !strings.HasSuffix(msg, ".png") {
		t.Errorf("测试 printer: %q %v", msg, err)
	}
	img, err := rig.Preview(context.Background(), devconf.Printer{Paper: 58})
	if err != nil || img.Bounds().Dx() != 384 || img.Bounds().Dy() < 300 {
		t.Errorf("preview %v %v", img.Bounds(), err)
	}
	if err := rig.StartRating(e.tx, app.Staff{No: "0107"}, 3); err != nil {
		t.Fatal(err)
	}
	if o := nextOutcome(t, outcomes); !o.Stored || o.Level != app.LevelVeryGood {
		t.Fatalf("after save: %+v", o)
	}
}

// 测试 on a port the rig does not hold: a frame keypad is pinged, an ascii
// keypad is listened to for a key.
func TestWindowTestKeypadOnAnotherPort(t *testing.T) {
	e := newEnv(t)
	cfg := devconf.Default()
	cfg.Simulate = false
	rig, _ := startRig(t, e, cfg, 5)
	ctx := context.Background()

	pty, err := serialport.OpenPTY()
	if err != nil {
		t.Skip(err)
	}
	defer pty.Close()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	sim := &keypad.Sim{RW: pty.Master, Addr: 2, Model: "PJQ-200", Firmware: "3.1"}
	go sim.Run(sctx)
	k := devconf.Keypad{Enabled: true, Port: pty.SlaveName, Mode: devconf.ModeFrame, Baud: 9600, Addr: 2}
	if msg, err := rig.TestKeypad(ctx, k); err != nil || msg != "评价器应答正常：型号 PJQ-200，固件 3.1" {
		t.Errorf("frame keypad: %q %v", msg, err)
	}
	k.Addr = 3 // nobody answers at this address
	if _, err := rig.TestKeypad(ctx, k); !strings.Contains(app.UserMessage(err), "没有应答") {
		t.Errorf("wrong address: %v (%s)", err, app.UserMessage(err))
	}

	pty2, err := serialport.OpenPTY()
	if err != nil {
		t.Skip(err)
	}
	defer pty2.Close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		pty2.Master.Write([]byte("\r\n1"))
	}()
	k = devconf.Keypad{Enabled: true, Port: pty2.SlaveName, Mode: devconf.ModeASCII, KeyMap: "54321"}
	if msg, err := rig.TestKeypad(ctx, k); err != nil || msg != "评价器正常：收到按键 5 星（非常满意）" {
		t.Errorf("ascii keypad: %q %v", msg, err)
	}
}

// The 办件回执 waits for the keypad: rated, it thanks the person and carries
// no QR code (the visit cannot be rated twice); when the clerk moves on
// before a rating, it prints at once and asks to scan and rate.
func TestReceiptAfterKeypadRating(t *testing.T) {
	e := newEnv(t)
	rig, outcomes := startRig(t, e, devconf.Default(), 5)
	waitState(t, rig, 0, devconf.StateConnected)
	waitState(t, rig, 1, devconf.StateConnected)
	run := rig.run()
	clerk := app.Staff{No: "0107", Name: "张三"}
	lastJob := func(n int) []byte {
		t.Helper()
		waitFor(t, "the receipt", func() bool { return run.prSim.Count() == n })
		png := rig.Status()[1].Preview
		job, err := os.ReadFile(strings.TrimSuffix(png, ".png") + ".bin")
		if err != nil {
			t.Fatal(err)
		}
		return job
	}
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	qr := "\x1d(k" // GS ( k: the QR code

	rig.PrintReceiptAfterRating(e.tx, []string{"残疾人证申领"}, 3, clerk)
	if run.prSim.Count() != 0 {
		t.Fatal("the receipt printed before the rating")
	}
	if err := rig.StartRating(e.tx, clerk, 3); err != nil {
		t.Fatal(err)
	}
	if o := nextOutcome(t, outcomes); !o.Stored {
		t.Fatalf("outcome %+v", o)
	}
	job := string(lastJob(1))
	if !strings.Contains(job, gbk("您已评价：非常满意")) || strings.Contains(job, qr) {
		t.Errorf("rated visit's receipt: thanks %v, QR %v", strings.Contains(job, gbk("您已评价")), strings.Contains(job, qr))
	}

	// The clerk moves on before the person rates: the receipt asks to scan.
	rig.PrintReceiptAfterRating(e.tx, []string{"残疾人证申领"}, 3, clerk)
	rig.CancelRating()
	job = string(lastJob(2))
	if strings.Contains(job, gbk("您已评价")) || !strings.Contains(job, qr) || !strings.Contains(job, gbk("请扫码对本次服务进行评价")) {
		t.Errorf("unrated visit's receipt: thanks %v, QR %v", strings.Contains(job, gbk("您已评价")), strings.Contains(job, qr))
	}
}
