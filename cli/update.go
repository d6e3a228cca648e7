package cli

import (
	"fmt"

	"bianmin/app"
	countysync "bianmin/sync"
)

// update installs the new version the county's configuration names (pulled
// by `bianmin sync`), after checking its SHA-256; --check only says.
func (c *cmd) update(args []string) int {
	fs, db := c.flags("update", "--db PATH [--check]")
	check := fs.Bool("check", false, "只检查，不安装 / only check")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	d, err := openExisting(*db, c)
	if err != nil {
		return c.fail("update", err)
	}
	m, err := countysync.StoredUpdate(c.ctx, d)
	d.Close()
	if err != nil {
		return c.fail("update", err)
	}
	if m == nil || !countysync.NewerVersion(m.Version, app.Version) {
		fmt.Fprintf(c.out, "当前版本 %s 已是最新（县级平台未下发更新的版本）。\n", app.Version)
		return 0
	}
	if *check {
		fmt.Fprintf(c.out, "有新版本 %s（当前 %s）：%s\n运行 bianmin update --db %s 安装。\n", m.Version, app.Version, m.Notes, *db)
		return 0
	}
	if _, err := countysync.ApplyUpdate(c.ctx, m, countysync.UpdateOptions{Current: app.Version}); err != nil {
		return c.fail("update", err)
	}
	fmt.Fprintf(c.out, "已更新到 %s（原 %s），请关闭并重新打开程序。\n", m.Version, app.Version)
	return 0
}
