package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"bianmin/app"
	"bianmin/app/queue"
	countysync "bianmin/sync"
	"bianmin/wire"
)

// serve runs the centre's hub without a window (中心主机, a closet PC): the
// queue on the centre's database behind the LAN API, over TLS, for the PCs
// enrolled with `bianmin pc add`, until SIGINT/SIGTERM.
func (c *cmd) serve(args []string) int {
	fs, db := c.flags("serve", "--db PATH --listen ADDR")
	listen := fs.String("listen", ":8787", "监听地址 / listen address (host:port)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	svc, d, err := wire.OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("serve", err)
	}
	defer d.Close()
	hub, err := wire.NewHub(c.ctx, d, svc, queue.New(d, app.SystemClock{}, c.log), c.log)
	if err != nil {
		return c.fail("serve", err)
	}
	// The upload to the county, as the hub's window runs it.
	upload, stopUpload, err := countysync.Start(c.ctx, d, svc, c.log)
	if err != nil {
		c.log.Warn("county settings unreadable", "err", err)
	}
	defer stopUpload()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(c.err, "无法在 %s 上监听：端口可能已被占用（中心主机是否已在运行？），或地址有误。\nserve: listen: %v\n", *listen, err)
		return 1
	}
	defer ln.Close()

	fmt.Fprintf(c.out, "中心主机已启动（局域网加密通信），监听 %s。\n", ln.Addr())
	if addrs := wire.HubAddrs(ln.Addr()); len(addrs) > 0 {
		fmt.Fprintf(c.out, "本机地址：%s\n", strings.Join(addrs, " 或 "))
	}
	fmt.Fprintf(c.out, "证书指纹：%s\n", hub.Pin)
	fmt.Fprintf(c.out, "添加窗口电脑、取号机、大厅屏：bianmin pc add --db %s --role counter --window 3（会显示加入码）\n", *db)
	if upload != nil {
		fmt.Fprintf(c.out, "县级平台上传已开启：%s，每 %s 一次。\n", upload.Settings.URL, upload.Settings.Interval)
	} else {
		fmt.Fprintln(c.out, "县级平台尚未设置：用 bianmin sync --county 地址 --key 应用标识 --secret 密钥 设置后，重新启动中心主机即开始上传。")
	}
	fmt.Fprintln(c.out, "按 Ctrl+C 停止。")

	ctx, stop := signal.NotifyContext(c.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- hub.Serve(ln) }()
	select {
	case err := <-served:
		return c.fail("serve", err)
	case <-ctx.Done():
	}
	c.log.Info("hub stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hub.Server.Shutdown(sctx); err != nil {
		c.log.Warn("hub: shutdown did not finish in time", "err", err)
		hub.Server.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		c.log.Warn("hub: serve ended", "err", err)
	}
	fmt.Fprintln(c.out, "中心主机已停止。")
	return 0
}
