package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"bianmin/app"
	countysync "bianmin/sync"
	"bianmin/sync/update"
)

// update installs a new version: the one the county's configuration names
// (pulled by `bianmin sync`), or, for a centre that never reaches the
// county, a file and its signature brought on a USB stick (--file). Either
// way only a file the publisher signed is installed (sync/update); --check
// only says.
func (c *cmd) update(args []string) int {
	fs, db := c.flags("update", "--db PATH [--check] | --file bianmin.exe [--sig bianmin.exe.minisig]")
	check := fs.Bool("check", false, "只检查，不安装 / only check")
	file := fs.String("file", "", "离线更新：新版本程序文件（如U盘上的 bianmin.exe）/ offline update: the new program file")
	sig := fs.String("sig", "", "离线更新：签名文件（默认为 --file 加 .minisig）/ its signature (default FILE.minisig)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	if *file != "" {
		return c.updateFromFile(*file, *sig, *check)
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
	if m == nil || !update.NewerVersion(m.Version, app.Version) {
		fmt.Fprintf(c.out, "当前版本 %s 已是最新（县级平台未下发更新的版本）。\n", app.Version)
		return 0
	}
	if *check {
		fmt.Fprintf(c.out, "有新版本 %s（当前 %s）：%s\n运行 bianmin update --db %s 安装（只安装发布者签名的文件）。\n", m.Version, app.Version, m.Notes, *db)
		return 0
	}
	opt := update.Options{Current: app.Version, StageDir: filepath.Join(filepath.Dir(*db), "updates")}
	if _, err := update.Apply(c.ctx, m, opt); err != nil {
		if c.elevated(err) {
			return 0
		}
		return c.fail(fmt.Sprintf("update to %s from %s (%s)", m.Version, m.URL, app.ErrorCode(err)), err)
	}
	c.log.Info("updated", "from", app.Version, "to", m.Version)
	fmt.Fprintf(c.out, "已更新到 %s（原 %s），请关闭并重新打开程序。\n", m.Version, app.Version)
	return 0
}

func (c *cmd) updateFromFile(file, sigFile string, check bool) int {
	if sigFile == "" {
		sigFile = file + ".minisig"
	}
	bin, err := os.ReadFile(file)
	if err != nil {
		return c.fail("update", &app.UserError{Code: "update_file", Msg: "无法读取新版本程序文件：" + file, Err: err})
	}
	sig, err := os.ReadFile(sigFile)
	if errors.Is(err, os.ErrNotExist) {
		return c.fail("update", &app.UserError{Code: "update_unsigned",
			Msg: "找不到签名文件 " + sigFile + "；没有发布者签名的文件不会被安装", Err: err})
	} else if err != nil {
		return c.fail("update", &app.UserError{Code: "update_file", Msg: "无法读取签名文件：" + sigFile, Err: err})
	}
	if check {
		rel, _, err := update.Verify(bin, sig, nil)
		if err != nil {
			return c.fail("update", err)
		}
		fmt.Fprintf(c.out, "签名有效：%s 版（%s），当前 %s。\n", rel.Version, rel.Platform, app.Version)
		return 0
	}
	rel, err := update.Install(bin, sig, "", update.Options{Current: app.Version})
	if err != nil && c.elevated(err) {
		return 0
	}
	if err != nil {
		return c.fail(fmt.Sprintf("update from %s with %s (%s)", file, sigFile, app.ErrorCode(err)), err)
	}
	c.log.Info("updated from file", "file", file, "from", app.Version, "to", rel.Version, "key", rel.KeyID)
	fmt.Fprintf(c.out, "已更新到 %s（原 %s），请关闭并重新打开程序。\n", rel.Version, app.Version)
	return 0
}

// releaseKey makes the publisher's key pair: the private key encrypted
// with BIANMIN_SIGN_PASSWORD, kept off the repository (and off any centre
// PC); the public key goes into a slot of sync/update.
func (c *cmd) releaseKey(args []string) int {
	fs := flag.NewFlagSet("release-key", flag.ContinueOnError)
	fs.SetOutput(c.err)
	out := fs.String("out", "", "写入私钥的目录（不要放在代码仓库里）/ directory for the key pair, outside the repository")
	if err := fs.Parse(args); err != nil || *out == "" {
		fmt.Fprintln(c.err, "用法 Usage: BIANMIN_SIGN_PASSWORD=… bianmin release-key --out DIR")
		return 2
	}
	pub, err := update.NewPublisherKey(*out, os.Getenv("BIANMIN_SIGN_PASSWORD"))
	if err != nil {
		return c.fail("release-key", err)
	}
	fmt.Fprintf(c.out, "发布者公钥（填入 sync/update 的 PublisherKey1 或 PublisherKey2）：\n%s\n私钥已加密保存在 %s，请离线妥善保管。\n", pub, *out)
	return 0
}

// releaseSign signs a release file: FILE.minisig, whose signed comment
// names the version and platform.
func (c *cmd) releaseSign(args []string) int {
	fs := flag.NewFlagSet("release-sign", flag.ContinueOnError)
	fs.SetOutput(c.err)
	key := fs.String("key", "", "发布者私钥文件 / the publisher's private key file")
	version := fs.String("version", app.Version, "文件的版本 / the file's version")
	platform := fs.String("platform", "", "文件的平台，如 windows/amd64、linux/amd64 / GOOS/GOARCH of the file")
	if err := fs.Parse(args); err != nil || *key == "" || *platform == "" || fs.NArg() != 1 {
		fmt.Fprintln(c.err, "用法 Usage: BIANMIN_SIGN_PASSWORD=… bianmin release-sign --key FILE --platform GOOS/GOARCH [--version V] PROGRAM")
		return 2
	}
	sigPath, builtin, err := update.SignFile(fs.Arg(0), *key, os.Getenv("BIANMIN_SIGN_PASSWORD"), *version, *platform)
	if err != nil {
		return c.fail("release-sign", err)
	}
	fmt.Fprintf(c.out, "已签名：%s（%s %s）\n", sigPath, *version, *platform)
	if !builtin {
		fmt.Fprintln(c.err, "警告：此私钥不对应本程序内置的发布者公钥，已安装的程序不会接受用它签名的文件。")
	}
	return 0
}

// elevated hands a verified update the program's folder refused to a run
// with administrator rights (Windows: the 用户账户控制 prompt) and reports
// whether it did; elsewhere, and when the prompt is refused, the caller
// prints what IT must run (the error's message).
func (c *cmd) elevated(err error) bool {
	var na *update.NeedsAdmin
	if !errors.As(err, &na) {
		return false
	}
	c.log.Warn("update needs administrator rights", "version", na.Version, "staged", na.Bin, "target", na.Target, "err", na.Err)
	if rerr := runElevated(na.Target, "update", "--file", na.Bin, "--sig", na.Sig); rerr != nil {
		c.log.Info("no elevated update", "err", rerr)
		return false
	}
	fmt.Fprintf(c.out, "新版本 %s 已下载并验证；已请求管理员权限安装。在弹出的“用户账户控制”窗口中点“是”，安装完成后请重新打开程序。\n", na.Version)
	return true
}
