package countysync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minio/selfupdate"

	"bianmin/app"
)

// Self-update: the county's configuration may name a new version of bianmin
// (UpdateManifest: version, https URL, SHA-256). The program downloads it,
// checks the hash against the manifest, and replaces its own executable
// with github.com/minio/selfupdate, which keeps the old file until the new
// one is in place (and puts it back if that fails). The new version runs
// from the next start; nothing is replaced while a database write runs,
// since only the executable file changes.

// StoredUpdate is the update manifest of the last configuration applied,
// or nil when the county named none.
func StoredUpdate(ctx context.Context, st SettingsStore) (*UpdateManifest, error) {
	kv, err := st.Settings(ctx, keyConfigManifest)
	if err != nil {
		return nil, err
	}
	var u UpdateManifest
	if m := kv[keyConfigManifest]; m == "" || json.Unmarshal([]byte(m), &u) != nil || u.Version == "" {
		return nil, nil
	}
	return &u, nil
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

// UpdateOptions say where the new executable goes and how it is fetched.
type UpdateOptions struct {
	Current string       // the running version
	Target  string       // the executable to replace; "" = this program
	Client  *http.Client // nil = a client with a 10-minute timeout
}

// ApplyUpdate installs m when it is newer than opt.Current and returns
// whether it did. The download must match m.SHA256 exactly; a wrong hash,
// a failed download or a failed replacement leaves the old executable in
// place and returns a *app.UserError with the reason in Chinese.
func ApplyUpdate(ctx context.Context, m *UpdateManifest, opt UpdateOptions) (bool, error) {
	if m == nil || !NewerVersion(m.Version, opt.Current) {
		return false, nil
	}
	want, err := hex.DecodeString(m.SHA256)
	if err != nil || len(want) != sha256.Size {
		return false, &app.UserError{Code: "update_bad_manifest", Msg: "县级平台下发的更新信息有误（校验值无效），未更新", Err: err}
	}
	c := opt.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL, nil)
	if err != nil {
		return false, &app.UserError{Code: "update_bad_manifest", Msg: "更新地址无效，未更新", Err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, &app.UserError{Code: "update_download", Msg: "无法下载新版本，请检查网络，稍后会再试", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, &app.UserError{Code: "update_download", Msg: fmt.Sprintf("下载新版本未成功（HTTP %d），稍后会再试", resp.StatusCode),
			Err: fmt.Errorf("GET %s: %s", m.URL, resp.Status)}
	}
	// Read it whole (a few tens of MB) so the hash is known before anything
	// on disk is touched.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return false, &app.UserError{Code: "update_download", Msg: "下载新版本时连接中断，稍后会再试", Err: err}
	}
	if got := sha256.Sum256(body); !bytes.Equal(got[:], want) {
		return false, &app.UserError{Code: "update_checksum", Msg: "下载的新版本与县级平台公布的校验值不符，未更新（文件可能不完整或被篡改）",
			Err: fmt.Errorf("sha256 %x, manifest %s", got, m.SHA256)}
	}
	err = selfupdate.Apply(bytes.NewReader(body), selfupdate.Options{TargetPath: opt.Target, Checksum: want})
	if err != nil {
		if rerr := selfupdate.RollbackError(err); rerr != nil {
			err = fmt.Errorf("%w (rollback failed too: %v)", err, rerr)
		}
		return false, &app.UserError{Code: "update_apply", Msg: "无法替换程序文件（可能没有写权限），未更新；请联系信息员", Err: err}
	}
	return true, nil
}
