// Package update installs new versions of bianmin, but only ones the
// publisher signed (county-upload.md, "Trust: updates are signed by the
// publisher, not by the county").
//
// The county's configuration only says which version exists and where it
// is (Manifest). The program file carries an Ed25519 signature in minisign
// format whose trusted (signed) comment names the version and platform:
// "bianmin 0.5.0 windows/amd64". It is installed only when
//   - the signature verifies against a public key built into this program
//     (two slots, so the publisher can roll to a new key: releases signed
//     with the new key are accepted by programs that carry both);
//   - the signed version is newer than the running one, and equals the
//     version the manifest announces (an old signed build offered as a new
//     one is a downgrade and is refused);
//   - the signed platform is this one (a Linux build never replaces the
//     Windows program).
//
// Nothing in the county's answer can change the keys. The replacement
// itself is github.com/minio/selfupdate, given the same signature through
// its Verifier, so the bytes it writes are the bytes that were verified;
// it keeps the old file until the new one is in place.
package update

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"aead.dev/minisign"
	"github.com/minio/selfupdate"

	"bianmin/app"
)

// The publisher's public keys (minisign format, the second line of a .pub
// file). Slot 1 is the key releases are signed with; slot 2 is empty or the
// next key, added one release before the switch. A release build may set
// them with -ldflags "-X bianmin/sync/update.PublisherKey2=RW…"; they are
// never read from the network or the database.
var (
	PublisherKey1 = "RWRYA+5OxKCzWloKkPeArKIqfdCswmp5f2LLWbc6mWakJL/h8NE7Aa0K" // key ID 5AB3A0C44EEE0358
	PublisherKey2 = ""
)

// BuiltinKeys are the non-empty publisher key slots.
func BuiltinKeys() []string {
	var ks []string
	for _, k := range []string{PublisherKey1, PublisherKey2} {
		if strings.TrimSpace(k) != "" {
			ks = append(ks, strings.TrimSpace(k))
		}
	}
	return ks
}

// Manifest announces a new version of bianmin for the centre (part of the
// county's configuration). Minisig is the signature file's text, or an
// http(s) URL of it (usually the binary's URL + ".minisig"). SHA256 is
// optional: the signature is what is trusted.
type Manifest struct {
	Version string `json:"version"`
	URL     string `json:"url"`
	SHA256  string `json:"sha256,omitempty"`
	Minisig string `json:"minisig"`
	Notes   string `json:"notes,omitempty"`
}

// Empty reports a manifest that names no update.
func (m *Manifest) Empty() bool {
	return m == nil || (m.Version == "" && m.URL == "" && m.SHA256 == "" && m.Minisig == "" && m.Notes == "")
}

// Check is the manifest's shape: it cannot make an update trusted, only
// refuse one that could never be installed.
func (m *Manifest) Check() error {
	if strings.TrimSpace(m.Version) == "" {
		return errors.New("升级清单缺少版本号")
	}
	if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("升级清单的下载地址 %q 无效", m.URL)
	}
	if m.SHA256 != "" {
		if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size {
			return errors.New("升级清单的校验值（sha256）应为64位十六进制数")
		}
	}
	if strings.TrimSpace(m.Minisig) == "" {
		return errors.New("升级清单缺少发布者签名（minisig），这样的新版本不会被安装")
	}
	return nil
}

// TrustedComment is what the publisher signs along with the file.
func TrustedComment(version, goos, goarch string) string {
	return fmt.Sprintf("bianmin %s %s/%s", version, goos, goarch)
}

// Release is what a verified signature says about its file.
type Release struct {
	Version, Platform string // "0.5.0", "windows/amd64"
	KeyID             string // the publisher key that signed it, hex
}

// Sign signs a release file with the publisher's private key (the release
// command; tests with a throwaway key).
func Sign(priv minisign.PrivateKey, bin []byte, version, goos, goarch string) []byte {
	tc := TrustedComment(version, goos, goarch)
	return minisign.SignWithComments(priv, bin, tc, "signature from bianmin publisher: "+tc)
}

// Verify checks sig over bin against keys (BuiltinKeys when nil) and reads
// the signed version and platform. It returns the key that verified.
func Verify(bin, sig []byte, keys []string) (Release, string, error) {
	if keys == nil {
		keys = BuiltinKeys()
	}
	var s minisign.Signature
	if err := s.UnmarshalText(sig); err != nil {
		return Release{}, "", &app.UserError{Code: "update_unsigned", Msg: "新版本没有有效的发布者签名，未安装",
			Err: fmt.Errorf("minisig: %w", err)}
	}
	for _, k := range keys {
		var pk minisign.PublicKey
		if err := pk.UnmarshalText([]byte(k)); err != nil {
			// A broken built-in key is a build mistake, not an attack.
			return Release{}, "", fmt.Errorf("built-in publisher key %q: %w", k, err)
		}
		if pk.ID() != s.KeyID || !minisign.Verify(pk, bin, sig) {
			continue
		}
		f := strings.Fields(s.TrustedComment)
		if len(f) < 3 || f[0] != "bianmin" {
			return Release{}, "", &app.UserError{Code: "update_bad_signature", Msg: "新版本的签名中没有版本信息，未安装",
				Err: fmt.Errorf("trusted comment %q is not %q", s.TrustedComment, TrustedComment("VERSION", "GOOS", "GOARCH"))}
		}
		if !releaseVersion(f[1]) {
			return Release{}, "", &app.UserError{Code: "update_bad_signature", Msg: "新版本的签名中版本号无效，未安装",
				Err: fmt.Errorf("signed version %q is not dotted numbers", f[1])}
		}
		return Release{Version: f[1], Platform: f[2], KeyID: strconv.FormatUint(s.KeyID, 16)}, k, nil
	}
	return Release{}, "", &app.UserError{Code: "update_bad_signature",
		Msg: "新版本的签名不是本程序的发布者所签（文件可能被篡改），未安装",
		Err: fmt.Errorf("signature key %X verifies with none of %d built-in publisher keys", s.KeyID, len(keys))}
}

// Options say what is running and what to replace.
type Options struct {
	Current string       // the running version (app.Version)
	Target  string       // the executable to replace; "" = this program
	Keys    []string     // nil = BuiltinKeys (tests pass a throwaway key)
	GOOS    string       // "" = runtime.GOOS
	GOARCH  string       // "" = runtime.GOARCH
	Client  *http.Client // nil = a client with a 10-minute timeout
	// StageDir keeps a verified update that cannot replace the program
	// because its folder is not writable; "" = bianmin-updates in the
	// system's temporary folder.
	StageDir string
}

// NeedsAdmin is why a verified update was not installed: the program's
// folder is not writable by this user (C:\Program Files for a clerk without
// administrator rights, /usr/bin for anyone but root). The update waits,
// with its signature, in Bin and Sig for a run with the rights
// (`bianmin update --file Bin --sig Sig`), which verifies it again.
type NeedsAdmin struct {
	Version, Target, Bin, Sig string
	Err                       error
}

func (e *NeedsAdmin) Error() string {
	return fmt.Sprintf("update %s staged at %s: %s is not writable: %v", e.Version, e.Bin, filepath.Dir(e.Target), e.Err)
}

func (e *NeedsAdmin) Unwrap() error { return e.Err }

// Command is the command line that installs the staged update with the rights.
func (e *NeedsAdmin) Command() string {
	return fmt.Sprintf("%q update --file %q --sig %q", e.Target, e.Bin, e.Sig)
}

// writable reports whether a file can be created in dir (selfupdate writes
// the new program next to the old one, then renames it).
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".bianmin-write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// stage keeps the verified update for an elevated run.
func stage(opt Options, rel Release, bin, sig []byte, target string, cause error) error {
	dir := opt.StageDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "bianmin-updates")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &app.UserError{Code: "update_apply", Msg: "无法替换程序文件（没有写权限），也无法保存下载的新版本，未更新；请联系信息员", Err: err}
	}
	name := "bianmin-" + rel.Version
	if strings.HasSuffix(strings.ToLower(target), ".exe") {
		name += ".exe"
	}
	na := &NeedsAdmin{Version: rel.Version, Target: target, Bin: filepath.Join(dir, name), Err: cause}
	na.Sig = na.Bin + ".minisig"
	if err := os.WriteFile(na.Bin, bin, 0o755); err != nil {
		return &app.UserError{Code: "update_apply", Msg: "无法保存下载的新版本，未更新；请联系信息员", Err: err}
	}
	if err := os.WriteFile(na.Sig, sig, 0o644); err != nil {
		return &app.UserError{Code: "update_apply", Msg: "无法保存下载的新版本，未更新；请联系信息员", Err: err}
	}
	how := "请信息员用管理员身份运行：\n" + na.Command()
	if runtime.GOOS != "windows" {
		how = "请信息员运行：\nsudo " + na.Command() + "\n（或安装新版本的 .deb 安装包）"
	}
	return &app.UserError{Code: "update_needs_admin",
		Msg: fmt.Sprintf("新版本 %s 已下载并通过签名验证，但当前用户不能修改程序所在的文件夹（%s），未安装。新版本已保存在 %s。%s",
			rel.Version, filepath.Dir(target), na.Bin, how), Err: na}
}

func (o Options) platform() string {
	goos, goarch := o.GOOS, o.GOARCH
	if goos == "" {
		goos = runtime.GOOS
	}
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	return goos + "/" + goarch
}

// Install verifies bin with sig and replaces the executable. want is the
// version the bin is offered as ("" for a file from a USB stick, where the
// signature alone names it). Any refusal leaves the executable untouched.
func Install(bin, sig []byte, want string, opt Options) (Release, error) {
	rel, key, err := Verify(bin, sig, opt.Keys)
	if err != nil {
		return rel, err
	}
	if want != "" && rel.Version != want {
		return rel, &app.UserError{Code: "update_version_mismatch",
			Msg: fmt.Sprintf("下载的文件是 %s 版，不是县级平台公布的 %s 版，未安装", rel.Version, want),
			Err: fmt.Errorf("signed version %s, manifest %s", rel.Version, want)}
	}
	if !NewerVersion(rel.Version, opt.Current) {
		return rel, &app.UserError{Code: "update_downgrade",
			Msg: fmt.Sprintf("文件是 %s 版，不比正在使用的 %s 版新，未安装（不允许降级）", rel.Version, opt.Current),
			Err: fmt.Errorf("signed version %s is not newer than %s", rel.Version, opt.Current)}
	}
	if p := opt.platform(); rel.Platform != p {
		return rel, &app.UserError{Code: "update_platform",
			Msg: fmt.Sprintf("文件是给 %s 的版本，本机是 %s，未安装", rel.Platform, p),
			Err: fmt.Errorf("signed platform %s, running %s", rel.Platform, p)}
	}
	target := opt.Target
	if target == "" {
		if target, err = os.Executable(); err == nil {
			target, err = filepath.EvalSymlinks(target)
		}
		if err != nil {
			return rel, &app.UserError{Code: "update_apply", Msg: "找不到正在运行的程序文件，未更新", Err: err}
		}
	}
	if werr := writable(filepath.Dir(target)); werr != nil {
		if errors.Is(werr, fs.ErrPermission) || errors.Is(werr, syscall.EROFS) {
			return rel, stage(opt, rel, bin, sig, target, werr)
		}
		return rel, &app.UserError{Code: "update_apply", Msg: "程序所在的文件夹无法写入，未更新；请联系信息员", Err: werr}
	}
	// selfupdate's Verifier loads a signature from a file or URL only.
	dir, err := os.MkdirTemp("", "bianmin-update")
	if err != nil {
		return rel, &app.UserError{Code: "update_apply", Msg: "无法准备更新（临时目录不可写），未更新", Err: err}
	}
	defer os.RemoveAll(dir)
	sigPath := filepath.Join(dir, "bianmin.minisig")
	if err := os.WriteFile(sigPath, sig, 0o600); err != nil {
		return rel, &app.UserError{Code: "update_apply", Msg: "无法准备更新（临时目录不可写），未更新", Err: err}
	}
	v := selfupdate.NewVerifier()
	if err := v.LoadFromFile(sigPath, key); err != nil {
		return rel, &app.UserError{Code: "update_bad_signature", Msg: "新版本的签名无法读取，未安装", Err: err}
	}
	if err := selfupdate.Apply(bytes.NewReader(bin), selfupdate.Options{TargetPath: target, Verifier: v}); err != nil {
		if rerr := selfupdate.RollbackError(err); rerr != nil {
			err = fmt.Errorf("%w (rollback failed too: %v)", err, rerr)
		}
		return rel, &app.UserError{Code: "update_apply", Msg: "无法替换程序文件（可能没有写权限），未更新；请联系信息员", Err: err}
	}
	return rel, nil
}

// Apply downloads what m announces and installs it when it is newer than
// opt.Current; it returns whether it did. The same or an older version is
// not fetched at all.
func Apply(ctx context.Context, m *Manifest, opt Options) (bool, error) {
	if m.Empty() || !NewerVersion(m.Version, opt.Current) {
		return false, nil
	}
	if err := m.Check(); err != nil {
		return false, &app.UserError{Code: "update_bad_manifest", Msg: err.Error() + "，未更新", Err: err}
	}
	c := opt.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Minute}
	}
	// Read it whole (a few tens of MB) so it is verified before anything
	// on disk is touched.
	bin, err := get(ctx, c, m.URL, 512<<20)
	if err != nil {
		return false, err
	}
	if m.SHA256 != "" {
		want, _ := hex.DecodeString(m.SHA256)
		if got := sha256.Sum256(bin); !bytes.Equal(got[:], want) {
			return false, &app.UserError{Code: "update_checksum", Msg: "下载的新版本与县级平台公布的校验值不符，未更新（文件可能不完整或被篡改）",
				Err: fmt.Errorf("sha256 %x, manifest %s", got, m.SHA256)}
		}
	}
	sig := []byte(m.Minisig)
	if s := strings.TrimSpace(m.Minisig); strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		if sig, err = get(ctx, c, s, 64<<10); err != nil {
			return false, err
		}
	}
	if _, err := Install(bin, sig, m.Version, opt); err != nil {
		return false, err
	}
	return true, nil
}

func get(ctx context.Context, c *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &app.UserError{Code: "update_bad_manifest", Msg: "更新地址无效，未更新", Err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &app.UserError{Code: "update_download", Msg: "无法下载新版本，请检查网络，稍后会再试", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &app.UserError{Code: "update_download", Msg: fmt.Sprintf("下载新版本未成功（HTTP %d），稍后会再试", resp.StatusCode),
			Err: fmt.Errorf("GET %s: %s", u, resp.Status)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, &app.UserError{Code: "update_download", Msg: "下载新版本时连接中断，稍后会再试", Err: err}
	}
	return b, nil
}

// NewerVersion reports whether version a is later than b, comparing dotted
// numbers ("1.10.0" > "1.9.2"); a part that is not a number compares as text.
func NewerVersion(a, b string) bool {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x == y {
			continue
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		if ex == nil && ey == nil {
			return nx > ny
		}
		return x > y
	}
	return false
}

// NewPublisherKey writes a new publisher key pair into dir: the private key
// encrypted with password (bianmin-publisher.key, 0600) and the public key
// (bianmin-publisher.pub). It returns the public key line.
func NewPublisherKey(dir, password string) (string, error) {
	if len(password) < 12 {
		return "", &app.UserError{Code: "release_password", Msg: "请用环境变量 BIANMIN_SIGN_PASSWORD 给出至少12个字符的口令"}
	}
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	enc, err := minisign.EncryptKey(password, priv)
	if err != nil {
		return "", err
	}
	text, _ := pub.MarshalText()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	keyPath := filepath.Join(dir, "bianmin-publisher.key")
	// O_EXCL: never overwrite the key a release line depends on.
	f, err := os.OpenFile(keyPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", &app.UserError{Code: "release_key_exists", Msg: "目录中已有发布者私钥，未覆盖：" + keyPath, Err: err}
	}
	if _, err := f.Write(enc); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "bianmin-publisher.pub"), append(text, '\n'), 0o644); err != nil {
		return "", err
	}
	return pub.String(), nil
}

// SignFile writes path+".minisig" for a release of version on platform
// ("windows/amd64"), and reports whether the key is one of this build's
// publisher keys (a release signed otherwise would be refused everywhere).
func SignFile(path, keyPath, password, version, platform string) (string, bool, error) {
	goos, goarch, ok := strings.Cut(platform, "/")
	if !ok || goos == "" || goarch == "" {
		return "", false, &app.UserError{Code: "release_platform", Msg: "平台应写作 GOOS/GOARCH，如 windows/amd64"}
	}
	if !releaseVersion(version) {
		return "", false, &app.UserError{Code: "release_version", Msg: "版本号应为数字，如 0.3.0"}
	}
	priv, err := minisign.PrivateKeyFromFile(password, keyPath)
	if err != nil {
		return "", false, &app.UserError{Code: "release_key", Msg: "无法读取发布者私钥（文件或口令不对）", Err: err}
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return "", false, err
	}
	sig := Sign(priv, bin, version, goos, goarch)
	if err := os.WriteFile(path+".minisig", sig, 0o644); err != nil {
		return "", false, err
	}
	_, _, verr := Verify(bin, sig, nil)
	return path + ".minisig", verr == nil, nil
}

// releaseVersion accepts dotted numbers only ("0.3.0"), so NewerVersion
// compares a signed version as numbers and never as text.
func releaseVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil || p == "" {
			return false
		}
	}
	return true
}
