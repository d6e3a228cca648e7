package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bianmin/storage"
	countysync "bianmin/sync"
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
	m, _ := json.Marshal(countysync.UpdateManifest{Version: "9.0.0", URL: srv.URL, SHA256: hex.EncodeToString(sum[:]), Notes: "修复评价器重连"})
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
