package update

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"aead.dev/minisign"

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

// The built-in slots hold well-formed keys: a broken one would refuse
// every update in the field.
func TestBuiltinKeysParse(t *testing.T) {
	ks := BuiltinKeys()
	if len(ks) == 0 {
		t.Fatal("no publisher key built in")
	}
	for _, k := range ks {
		var pk minisign.PublicKey
		if err := pk.UnmarshalText([]byte(k)); err != nil {
			t.Errorf("built-in key %q: %v", k, err)
		}
	}
}

type keyPair struct {
	pub  string
	priv minisign.PrivateKey
}

func newKey(t *testing.T) keyPair {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{pub.String(), priv}
}

// fixture is a program file on disk and a county that serves releases.
type fixture struct {
	target string
	old    []byte
	files  map[string][]byte
	srv    *httptest.Server
	gets   int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{old: []byte("old program"), files: map[string][]byte{}}
	f.target = filepath.Join(t.TempDir(), "bianmin")
	if err := os.WriteFile(f.target, f.old, 0o755); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.gets++
		b, ok := f.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) unchanged(t *testing.T, why string) {
	t.Helper()
	if b, _ := os.ReadFile(f.target); string(b) != string(f.old) {
		t.Fatalf("%s: the executable changed to %q", why, b)
	}
}

var here = runtime.GOOS + "/" + runtime.GOARCH

// A fake county (or anyone who can change its configuration) announces a
// program of its own: whatever the manifest says — a matching SHA-256, a
// signature by some other key, no signature, an old signed release under
// a new version number, a release for another platform — the executable
// is not replaced. Only the publisher's signature on a newer version for
// this platform installs, and then the bytes installed are the ones signed.
func TestUpdateRefusesWhatThePublisherDidNotSign(t *testing.T) {
	ctx := context.Background()
	publisher, stranger := newKey(t), newKey(t)
	f := newFixture(t)
	opt := Options{Current: "0.4.0", Target: f.target, Keys: []string{publisher.pub}}

	evil := []byte("#!/bin/sh\necho pwned\n")
	evilSum := sha256.Sum256(evil)
	good := []byte("#!/bin/sh\necho bianmin 0.5.0\n")
	old := []byte("#!/bin/sh\necho bianmin 0.3.0\n")
	goos, goarch, _ := strings.Cut(here, "/")
	f.files["/evil"] = evil
	f.files["/evil.stranger.minisig"] = Sign(stranger.priv, evil, "0.5.0", goos, goarch)
	f.files["/good"] = good
	f.files["/good.minisig"] = Sign(publisher.priv, good, "0.5.0", goos, goarch)
	f.files["/old"] = old
	f.files["/old.minisig"] = Sign(publisher.priv, old, "0.3.0", goos, goarch)
	f.files["/other"] = good
	f.files["/other.minisig"] = Sign(publisher.priv, good, "0.5.0", "plan9", "mips")
	u := f.srv.URL

	for _, c := range []struct {
		name string
		m    Manifest
		code app.Code
	}{
		{"unsigned, hash matches", Manifest{Version: "0.5.0", URL: u + "/evil", SHA256: hex.EncodeToString(evilSum[:])}, "update_bad_manifest"},
		{"signature is not a signature", Manifest{Version: "0.5.0", URL: u + "/evil", Minisig: "trust me"}, "update_unsigned"},
		{"signed by a stranger", Manifest{Version: "0.5.0", URL: u + "/evil", Minisig: u + "/evil.stranger.minisig"}, "update_bad_signature"},
		{"publisher's signature on other bytes", Manifest{Version: "0.5.0", URL: u + "/evil", Minisig: u + "/good.minisig"}, "update_bad_signature"},
		{"old release announced as new", Manifest{Version: "0.5.0", URL: u + "/old", Minisig: u + "/old.minisig"}, "update_version_mismatch"},
		{"old release announced as itself", Manifest{Version: "0.9.0", URL: u + "/old", Minisig: string(f.files["/old.minisig"])}, "update_version_mismatch"},
		{"another platform", Manifest{Version: "0.5.0", URL: u + "/other", Minisig: u + "/other.minisig"}, "update_platform"},
		{"signature missing on the server", Manifest{Version: "0.5.0", URL: u + "/good", Minisig: u + "/gone.minisig"}, "update_download"},
	} {
		ok, err := Apply(ctx, &c.m, opt)
		if ok || app.ErrorCode(err) != c.code || app.UserMessage(err) == "" {
			t.Fatalf("%s: installed=%v err=%v (code %q), want refused with %s", c.name, ok, err, app.ErrorCode(err), c.code)
		}
		f.unchanged(t, c.name)
	}
	// A downgrade is not even fetched.
	n := f.gets
	if ok, err := Apply(ctx, &Manifest{Version: "0.3.0", URL: u + "/old", Minisig: u + "/old.minisig"}, opt); ok || err != nil || f.gets != n {
		t.Fatalf("older version: %v %v, fetched %d", ok, err, f.gets-n)
	}
	f.unchanged(t, "older version")

	// The publisher's release, signature by URL and a matching hash: installed.
	sum := sha256.Sum256(good)
	ok, err := Apply(ctx, &Manifest{Version: "0.5.0", URL: u + "/good", SHA256: hex.EncodeToString(sum[:]), Minisig: u + "/good.minisig"}, opt)
	if !ok || err != nil {
		t.Fatalf("signed update: %v %v", ok, err)
	}
	if b, _ := os.ReadFile(f.target); string(b) != string(good) {
		t.Fatalf("executable is %q", b)
	}
}

// The second key slot is what a key rotation relies on: a release signed
// with the next key installs on a program that carries both.
func TestUpdateSecondKeySlot(t *testing.T) {
	current, next := newKey(t), newKey(t)
	f := newFixture(t)
	bin := []byte("release signed with the next key")
	goos, goarch, _ := strings.Cut(here, "/")
	sig := Sign(next.priv, bin, "0.6.0", goos, goarch)
	if _, err := Install(bin, sig, "0.6.0", Options{Current: "0.5.0", Target: f.target, Keys: []string{current.pub}}); app.ErrorCode(err) != "update_bad_signature" {
		t.Fatalf("next key accepted by a program without it: %v", err)
	}
	f.unchanged(t, "next key not built in")
	rel, err := Install(bin, sig, "0.6.0", Options{Current: "0.5.0", Target: f.target, Keys: []string{current.pub, next.pub}})
	if err != nil || rel.Version != "0.6.0" {
		t.Fatalf("second slot: %+v %v", rel, err)
	}
	if b, _ := os.ReadFile(f.target); string(b) != string(bin) {
		t.Fatalf("executable is %q", b)
	}
}

// The release commands: a key pair from release-key (private key 0600,
// encrypted, never overwritten) signs a file that Verify accepts with the
// public key it printed, and a wrong password signs nothing.
func TestSignFileWithPublisherKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewPublisherKey(dir, "short"); app.ErrorCode(err) != "release_password" {
		t.Fatalf("short password: %v", err)
	}
	pub, err := NewPublisherKey(dir, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "bianmin-publisher.key")
	if st, err := os.Stat(keyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st, err)
	}
	if _, err := NewPublisherKey(dir, "correct horse battery"); app.ErrorCode(err) != "release_key_exists" {
		t.Fatalf("existing key overwritten: %v", err)
	}
	bin := filepath.Join(dir, "bianmin.exe")
	if err := os.WriteFile(bin, []byte("MZ release"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SignFile(bin, keyPath, "wrong password!!", "0.5.0", "windows/amd64"); app.ErrorCode(err) != "release_key" {
		t.Fatalf("wrong password: %v", err)
	}
	if _, _, err := SignFile(bin, keyPath, "correct horse battery", "0.5.0-beta", "windows/amd64"); app.ErrorCode(err) != "release_version" {
		t.Fatalf("non-numeric version: %v", err)
	}
	sigPath, builtin, err := SignFile(bin, keyPath, "correct horse battery", "0.5.0", "windows/amd64")
	if err != nil || builtin {
		t.Fatalf("sign: %v, builtin %v (a fresh key is not built in)", err, builtin)
	}
	sig, _ := os.ReadFile(sigPath)
	rel, _, err := Verify([]byte("MZ release"), sig, []string{pub})
	if err != nil || rel.Version != "0.5.0" || rel.Platform != "windows/amd64" {
		t.Fatalf("verify: %+v %v", rel, err)
	}
	if _, _, err := Verify([]byte("MZ release"), sig, nil); app.ErrorCode(err) != "update_bad_signature" {
		t.Fatalf("a fresh key verified against the built-in keys: %v", err)
	}
}
