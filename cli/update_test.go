package cli

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"aead.dev/minisign"

	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/sync/update"
)

// `update --check` names the county's newer version; without one it says
// the program is current. (Replacing an executable is tested in sync/.)
func TestUpdateCheck(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	if code, out, _ := run(t, "update", "--db", db, "--check"); code != 0 || !strings.Contains(out, "已是最新") {
		t.Fatalf("no manifest: %d %s", code, out)
	}
	bin := []byte("new")
	sum := sha256.Sum256(bin)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(bin) }))
	defer srv.Close()
	m, _ := json.Marshal(countysync.UpdateManifest{Version: "9.0.0", URL: srv.URL, SHA256: hex.EncodeToString(sum[:]), Minisig: srv.URL + "/bianmin.minisig", Notes: "修复评价器重连"})
	d, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SaveSettings(t.Context(), map[string]string{"county.config.manifest": string(m)}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	code, out, errs := run(t, "update", "--db", db, "--check")
	if code != 0 || !strings.Contains(out, "有新版本 9.0.0") || !strings.Contains(out, "修复评价器重连") {
		t.Fatalf("check: %d %s %s", code, out, errs)
	}
}

// An update from a USB stick is installed only with the publisher's
// signature: no .minisig, or one made with another key, is refused with a
// Chinese message and the running program stays as it is.
func TestUpdateFromFileRefusesUnsigned(t *testing.T) {
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bianmin.exe")
	if err := os.WriteFile(bin, []byte("MZ not from the publisher"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "update", "--file", bin); code != 1 || !strings.Contains(errs, "找不到签名文件") {
		t.Fatalf("no signature: %d %s", code, errs)
	}
	_, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	goos, goarch, _ := strings.Cut(runtime.GOOS+"/"+runtime.GOARCH, "/")
	if err := os.WriteFile(bin+".minisig", update.Sign(priv, []byte("MZ not from the publisher"), "99.0.0", goos, goarch), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"update", "--file", bin, "--check"}, {"update", "--file", bin}} {
		if code, _, errs := run(t, args...); code != 1 || !strings.Contains(errs, "不是本程序的发布者所签") {
			t.Fatalf("%v with a stranger's signature: %d %s", args, code, errs)
		}
	}
	if after, _ := os.ReadFile(exe); !bytes.Equal(before, after) {
		t.Fatal("the program file changed")
	}
}
