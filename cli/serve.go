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
	"bianmin/storage"
	"bianmin/sync/lan"
)

// serve runs the centre's hub without a window (中心主机, a closet PC): the
// queue on the centre's database behind the LAN API, until SIGINT/SIGTERM.
func (c *cmd) serve(args []string) int {
	fs, db := c.flags("serve", "--db PATH --listen ADDR [--key KEY]")
	listen := fs.String("listen", ":8787", "监听地址 / listen address (host:port)")
	key := fs.String("key", "", "设置中心密钥（保存）/ set the centre key (saved)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if *key != "" {
		if err := lan.CheckKey(*key); err != nil {
			return c.usageErr(app.UserMessage(err), "--key: at least 12 printable ASCII characters, no spaces")
		}
	}
	svc, d, err := OpenService(c.ctx, *db, c.log)
	if err != nil {
		return c.fail("serve", err)
	}
	defer d.Close()
	k, generated, err := hubKey(c.ctx, d, *key)
	if err != nil {
		return c.fail("serve: centre key", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(c.err, "无法在 %s 上监听：端口可能已被占用（中心主机是否已在运行？），或地址有误。\nserve: listen: %v\n", *listen, err)
		return 1
	}
	defer ln.Close()

	hs := NewHub(d, svc, app.NewQueue(d, app.SystemClock{}, c.log), k, c.log)

	fmt.Fprintf(c.out, "中心主机已启动，监听 %s。\n", ln.Addr())
	if urls := hubURLs(ln.Addr()); len(urls) > 0 {
		fmt.Fprintf(c.out, "各窗口、取号机、大厅屏电脑上的“中心主机地址”填：%s\n", strings.Join(urls, " 或 "))
	}
	switch {
	case generated:
		fmt.Fprintf(c.out, "已生成中心密钥（只显示这一次，请抄下）：%s\n", k)
		fmt.Fprintln(c.out, "在各窗口电脑上填写此密钥；忘记时可用 --key 重新设置，并在各窗口电脑上改填。")
	case *key != "":
		fmt.Fprintln(c.out, "中心密钥已更新并保存；请在各窗口电脑上改填新密钥。")
	default:
		fmt.Fprintln(c.out, "使用已保存的中心密钥（不再显示）；如需更换，请用 --key 重新设置。")
	}
	fmt.Fprintln(c.out, "按 Ctrl+C 停止。")

	ctx, stop := signal.NotifyContext(c.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return c.fail("serve", err)
	case <-ctx.Done():
	}
	c.log.Info("hub stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		c.log.Warn("hub: shutdown did not finish in time", "err", err)
		hs.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		c.log.Warn("hub: serve ended", "err", err)
	}
	fmt.Fprintln(c.out, "中心主机已停止。")
	return 0
}

// hubKey returns the centre key: set to want when given, else the stored
// one, else a new random one, stored (generated reports that: the only time
// the key is shown).
func hubKey(ctx context.Context, d *storage.DB, want string) (key string, generated bool, err error) {
	if want != "" {
		return want, false, d.SaveSettings(ctx, map[string]string{lan.KeySetting: want})
	}
	kv, err := d.Settings(ctx, lan.KeySetting)
	if err != nil {
		return "", false, err
	}
	if k := kv[lan.KeySetting]; k != "" {
		return k, false, nil
	}
	k := lan.NewKey()
	if err := d.SaveSettings(ctx, map[string]string{lan.KeySetting: k}); err != nil {
		return "", false, err
	}
	return k, true, nil
}

// hubURLs are the addresses other PCs reach addr at: the host itself, or,
// for a wildcard listen, this PC's LAN addresses.
func hubURLs(addr net.Addr) []string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	if !ta.IP.IsUnspecified() {
		return []string{"http://" + ta.String()}
	}
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range ifs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, fmt.Sprintf("http://%s", net.JoinHostPort(ipn.IP.String(), fmt.Sprint(ta.Port))))
	}
	return out
}
