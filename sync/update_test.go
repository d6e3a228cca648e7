package countysync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"bianmin/app"
)

func TestNewerVersion(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"1.10.0", "1.9.2", true}, {"1.9.2", "1.10.0", false}, {"v2.0", "1.99", true}, {"1.0", "1.0", false},
		{"1.0.1", "1.0", true}, {"1.0", "1.0.1", false}, {"0.4.0", "dev", false}} {
		if got := NewerVersion(c.a, c.b); got != c.want {
			t.Errorf("NewerVersion(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// A newer version whose download matches the manifest's hash replaces the
// executable; a wrong hash or a failed download leaves it as it was; the
// same or an older version is not fetched at all.
func TestApplyUpdate(t *testing.T) {
	newBin := []byte("#!/bin/sh\necho bianmin 0.5.0\n")
	sum := sha256.Sum256(newBin)
	fetched := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched++
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write(newBin)
	}))
	defer srv.Close()
	target := filepath.Join(t.TempDir(), "bianmin")
	old := []byte("old program")
	if err := os.WriteFile(target, old, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unchanged := func(why string) {
		t.Helper()
		if b, _ := os.ReadFile(target); string(b) != string(old) {
			t.Fatalf("%s: the executable changed", why)
		}
	}
	opt := UpdateOptions{Current: "0.4.0", Target: target}

	bad := &UpdateManifest{Version: "0.5.0", URL: srv.URL + "/bin", SHA256: hex.EncodeToString(make([]byte, 32))}
	if ok, err := ApplyUpdate(ctx, bad, opt); ok || app.ErrorCode(err) != "update_checksum" {
		t.Fatalf("wrong hash: %v %v", ok, err)
	}
	unchanged("wrong hash")
	missing := &UpdateManifest{Version: "0.5.0", URL: srv.URL + "/missing", SHA256: hex.EncodeToString(sum[:])}
	if ok, err := ApplyUpdate(ctx, missing, opt); ok || app.ErrorCode(err) != "update_download" {
		t.Fatalf("404: %v %v", ok, err)
	}
	unchanged("404")
	n := fetched
	same := &UpdateManifest{Version: "0.4.0", URL: srv.URL + "/bin", SHA256: hex.EncodeToString(sum[:])}
	if ok, err := ApplyUpdate(ctx, same, opt); ok || err != nil || fetched != n {
		t.Fatalf("same version: %v %v, fetched %d", ok, err, fetched-n)
	}
	good := &UpdateManifest{Version: "0.5.0", URL: srv.URL + "/bin", SHA256: hex.EncodeToString(sum[:])}
	ok, err := ApplyUpdate(ctx, good, opt)
	if !ok || err != nil {
		t.Fatalf("update: %v %v", ok, err)
	}
	if b, _ := os.ReadFile(target); string(b) != string(newBin) {
		t.Errorf("executable is %q", b)
	}
}
