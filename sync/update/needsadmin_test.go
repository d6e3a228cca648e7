package update

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"bianmin/app"
)

// An installed program in a folder its user cannot write to (C:\Program
// Files for a clerk, /usr/bin): a verified update is not half-applied; it is
// kept with its signature, the user is told in Chinese what IT must run,
// and that run (with the rights) verifies it again and installs it.
func TestUpdateIntoAFolderTheUserCannotWrite(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses a Linux folder nobody can write to")
	}
	key := newKey(t)
	f := newFixture(t)
	locked := filepath.Dir(f.target)
	if os.Geteuid() == 0 {
		// Root writes anywhere on a normal file system; sysfs refuses even root.
		locked = "/sys/kernel"
	} else {
		if err := os.Chmod(locked, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(locked, 0o755) })
	}
	target := filepath.Join(locked, filepath.Base(f.target))
	goos, goarch, _ := strings.Cut(here, "/")
	bin := []byte("release 0.6.0")
	sig := Sign(key.priv, bin, "0.6.0", goos, goarch)
	stage := filepath.Join(t.TempDir(), "updates")

	_, err := Install(bin, sig, "0.6.0", Options{Current: "0.5.0", Target: target, Keys: []string{key.pub}, StageDir: stage})
	var na *NeedsAdmin
	if app.ErrorCode(err) != "update_needs_admin" || !errors.As(err, &na) {
		t.Fatalf("into a locked folder: %v", err)
	}
	msg := app.UserMessage(err)
	for _, want := range []string{"新版本 0.6.0 已下载并通过签名验证", "不能修改程序所在的文件夹（" + locked + "）", "sudo ", "update --file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if na.Bin != filepath.Join(stage, "bianmin-0.6.0") || na.Target != target {
		t.Errorf("staged %+v", na)
	}
	if b, _ := os.ReadFile(na.Bin); string(b) != string(bin) {
		t.Fatalf("staged program %q", b)
	}
	if f.target != target {
		f.unchanged(t, "locked folder")
	}

	// IT's run with the rights: the staged pair verifies and installs.
	sb, _ := os.ReadFile(na.Bin)
	ss, _ := os.ReadFile(na.Sig)
	if _, err := Install(sb, ss, "", Options{Current: "0.5.0", Target: f.target, Keys: []string{key.pub}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f.target); string(b) != string(bin) {
		t.Fatalf("installed %q", b)
	}
	// A staged file changed while it waited is refused.
	if err := os.WriteFile(na.Bin, []byte("release 0.6.0 plus something"), 0o755); err != nil {
		t.Fatal(err)
	}
	sb, _ = os.ReadFile(na.Bin)
	if _, err := Install(sb, ss, "", Options{Current: "0.5.0", Target: f.target, Keys: []string{key.pub}}); app.ErrorCode(err) != "update_bad_signature" {
		t.Errorf("a tampered staged file: %v", err)
	}
}
