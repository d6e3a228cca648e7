package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"bianmin/app"
	countysync "bianmin/sync"
	"bianmin/wire"
)

// sync uploads the outbox to the county platform: once (--once), the status
// (--status), the rejected list (--rejected), a re-queue (--requeue ID), or
// periodically until interrupted. The connection flags are saved for later runs.
func (c *cmd) sync(args []string) int {
	fs, db := c.flags("sync", "--db PATH [--county URL --key KEY --secret SECRET] [--qr-key KEY] [--allow-http] [--interval 5m] [--once] [--status] [--rejected] [--requeue ID]")
	fs.String("county", "", "县级平台地址（保存供以后使用）/ county platform base URL (saved)")
	fs.String("key", "", "应用标识 AppKey（保存）/ app key (saved)")
	fs.String("secret", "", "应用密钥（保存）/ app secret (saved)")
	fs.String("qr-key", "", "回执二维码的签名密钥（保存），用于核验扫码评价 / key of the receipt QR link signature (saved)")
	allowHTTP := fs.Bool("allow-http", false, "县里只提供 http 时明确允许不加密的连接（保存；--allow-http=false 取消）/ allow a plain-http county URL off loopback (saved)")
	interval := fs.Duration("interval", 0, "定时上传间隔（保存，默认5分钟）/ upload interval (saved; default 5m)")
	once := fs.Bool("once", false, "上传一次后退出 / drain once and exit")
	status := fs.Bool("status", false, "显示上传状态 / show the upload status")
	rejected := fs.Bool("rejected", false, "列出被退回的记录 / list rejected records")
	requeue := fs.Int64("requeue", 0, "将被退回的记录重新排队 / re-queue a rejected record by its number")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	svc, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("sync", err)
	}
	defer d.Close()
	s, err := countysync.LoadSettings(c.ctx, d)
	if err != nil {
		return c.fail("sync: load settings", err)
	}
	// A flag given changes its setting; an empty value or a zero interval
	// leaves it as saved.
	changed := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "county", "key", "secret", "qr-key":
			p := map[string]*string{"county": &s.URL, "key": &s.AppKey, "secret": &s.Secret, "qr-key": &s.QRKey}[f.Name]
			if v := f.Value.String(); v != "" {
				*p, changed = v, true
			}
		case "interval":
			if *interval != 0 {
				s.Interval, changed = *interval, true
			}
		case "allow-http":
			s.AllowHTTP, changed = *allowHTTP, true
		}
	})
	if s.AllowHTTP && s.PlainHTTP() {
		// The manager's choice, and it stays visible: in every run's log and in --status.
		c.log.Warn("county link is plain http by the manager's setting (--allow-http): records cross the network unencrypted", "url", s.URL)
	}
	if changed {
		if err := countysync.SaveSettings(c.ctx, d, s); err != nil {
			return c.fail("sync: save settings", err)
		}
		fmt.Fprintln(c.out, "县级平台设置已保存。")
	}
	snd := countysync.NewSender(d, s)
	snd.Log = c.log
	snd.Rater = svc // phone (QR) ratings that come with the county's configuration
	switch {
	case *status:
		return c.syncStatus(snd)
	case *rejected:
		return c.syncRejected(snd)
	case *requeue != 0:
		if err := snd.Requeue(c.ctx, *requeue, nil); err != nil {
			if errors.Is(err, app.ErrNotFound) {
				return c.usageErr(fmt.Sprintf("没有编号为 %d 的被退回记录。", *requeue), "no rejected record with that number")
			}
			return c.fail("sync requeue", err)
		}
		fmt.Fprintf(c.out, "记录 %d 已重新排队，下次上传时发送。\n", *requeue)
		return 0
	case *once:
		return c.syncOnce(snd)
	}
	if !s.Configured() {
		return c.usageErr("尚未设置县级平台：请用 --county、--key、--secret 指定。", "county upload is not configured: use --county, --key and --secret")
	}
	ctx, stop := signal.NotifyContext(c.ctx, os.Interrupt)
	defer stop()
	fmt.Fprintf(c.out, "开始定时上传（每 %s），按 Ctrl+C 停止。\n", s.Interval)
	if err := snd.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return c.fail("sync", err)
	}
	return 0
}

func (c *cmd) syncStatus(snd *countysync.Sender) int {
	st, err := snd.Status(c.ctx)
	if err != nil {
		return c.fail("sync status", err)
	}
	for _, l := range st.Lines() {
		fmt.Fprintln(c.out, l)
	}
	return 0
}

// syncRejected lists the records the county refused and the QR ratings that
// could not be stored.
func (c *cmd) syncRejected(snd *countysync.Sender) int {
	list, err := snd.Rejected(c.ctx, 0)
	if err != nil {
		return c.fail("sync rejected", err)
	}
	if len(list) == 0 {
		fmt.Fprintln(c.out, "没有被退回的记录。")
	}
	for _, r := range list {
		fmt.Fprintf(c.out, "%d\t%s\t%s\t%s\n", r.OutboxID, r.Kind, r.RejectedAt.In(app.ChinaTime).Format("2006-01-02 15:04"), r.Reason)
	}
	qr, err := snd.QRRefusals(c.ctx)
	if err != nil {
		return c.fail("sync rejected", err)
	}
	if len(qr) > 0 {
		fmt.Fprintf(c.out, "未能入账的扫码评价 %d 条：\n", len(qr))
	}
	for _, r := range qr {
		fmt.Fprintf(c.out, "%s\t%s\t%s\t%s\n", r.ProjectNo, r.RatedAt, r.Level.Name(), r.Reason)
	}
	return 0
}

// syncOnce drains the outbox once, says how much went up and how fast, then
// takes the county's configuration.
func (c *cmd) syncOnce(snd *countysync.Sender) int {
	start := time.Now()
	res, err := snd.Drain(c.ctx)
	el := time.Since(start)
	n := res.Sent + res.Duplicates
	fmt.Fprintf(c.out, "已上传 %d 条（其中县级平台已有 %d 条），退回 %d 条，用时 %.1f 秒",
		n, res.Duplicates, res.Rejected, el.Seconds())
	if el > 0 && n > 0 {
		fmt.Fprintf(c.out, "，约 %.0f 条/秒", float64(n)/el.Seconds())
	}
	fmt.Fprintln(c.out)
	if err == nil {
		err = c.pullConfig(snd)
	}
	if err != nil {
		var ue *countysync.UploadError
		if errors.As(err, &ue) {
			fmt.Fprintf(c.err, "%s\nsync: %v\n", ue.Msg, err)
			return 1
		}
		return c.fail("sync", err)
	}
	return 0
}

// countySim serves the county simulator until interrupted.
func (c *cmd) countySim(args []string) int {
	fs, db := c.flags("county-sim", "--listen 127.0.0.1:8790 --db PATH [--key KEY --secret SECRET] [--fail-rate 0.2] [--latency 50ms] [--drop-response 0.1] [--down-for 1m] [--config FILE]")
	listen := fs.String("listen", "127.0.0.1:8790", "监听地址 / listen address")
	key := fs.String("key", "demo", "接受的应用标识 / accepted app key")
	secret := fs.String("secret", "demo-secret", "应用密钥 / its secret")
	failRate := fs.Float64("fail-rate", 0, "返回503的请求比例 / share of requests answered 503")
	latency := fs.Duration("latency", 0, "每个请求的延迟 / delay per request")
	drop := fs.Float64("drop-response", 0, "保存后不应答的比例 / share of answers dropped after storing")
	downFor := fs.Duration("down-for", 0, "启动后断开连接的时长 / refuse connections for this long after start")
	config := fs.String("config", "", "下发给中心的配置（JSON 文件，可含 qrRatings）/ configuration to push down (JSON file)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if *failRate < 0 || *failRate > 1 || *drop < 0 || *drop > 1 {
		return c.usageErr("--fail-rate 和 --drop-response 应在0至1之间。", "--fail-rate and --drop-response must be within [0, 1]")
	}
	var cfg json.RawMessage
	if *config != "" {
		b, err := os.ReadFile(*config)
		if err != nil {
			return c.fail("county-sim --config", err)
		}
		if !json.Valid(b) {
			// Served anyway: a broken file shows how a centre refuses it.
			c.log.Warn("county-sim: the configuration file is not valid JSON; serving it as it is", "path", *config)
		}
		cfg = b
	}
	sim, err := countysync.OpenSimulator(*db, countysync.SimOptions{Keys: map[string]string{*key: *secret},
		FailRate: *failRate, Latency: *latency, DropResponse: *drop, DownFor: *downFor, Config: cfg, Log: c.log})
	if err != nil {
		return c.fail("county-sim", err)
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return c.fail("county-sim listen", err)
	}
	ctx, stop := signal.NotifyContext(c.ctx, os.Interrupt)
	defer stop()
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Fprintf(c.out, "县级平台模拟器已启动：http://%s（应用标识 %s），按 Ctrl+C 停止。\n", ln.Addr(), *key)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return c.fail("county-sim", err)
	}
	cnt, err := sim.Counts(context.Background())
	if err == nil {
		fmt.Fprintf(c.out, "共收到 %d 条记录（办件 %d，评价 %d，工单 %d），退回 %d 条。\n",
			cnt.Records, cnt.Services, cnt.Evaluations, cnt.WorkOrders, cnt.Rejections)
	}
	return 0
}

// pullConfig fetches the county's configuration and the phone ratings that
// come with it, and says what happened.
func (c *cmd) pullConfig(snd *countysync.Sender) error {
	res, err := snd.PullConfig(c.ctx)
	switch {
	case res.Applied:
		fmt.Fprintf(c.out, "县级下发配置已更新至版本 %s（重新启动后节假日、评价规则和标签生效）。\n", res.Offered)
	case err == nil && res.Offered != "":
		fmt.Fprintf(c.out, "县级下发配置为版本 %s，无变化。\n", res.Offered)
	}
	if q := res.QR; q.Stored+q.Refused+q.Waiting > 0 {
		fmt.Fprintf(c.out, "扫码评价：入账 %d 条，未能入账 %d 条（见 --rejected）。\n", q.Stored, q.Refused)
	}
	return err
}
