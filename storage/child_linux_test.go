//go:build linux

package storage

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Tests that need a process of their own (a kill, a file size limit, a user
// without root's permission bypass) re-execute this test binary: the child
// runs TestChild, which dispatches on these variables.
const (
	childModeEnv = "BIANMIN_STORAGE_CHILD"
	childArgEnv  = "BIANMIN_STORAGE_CHILD_ARG"
)

var childModes = map[string]func(t *testing.T, arg string){}

func TestChild(t *testing.T) {
	mode := os.Getenv(childModeEnv)
	if mode == "" {
		t.Skip("runs only as a child process of another test")
	}
	fn, ok := childModes[mode]
	if !ok {
		t.Fatalf("unknown child mode %q", mode)
	}
	fn(t, os.Getenv(childArgEnv))
}

// childCmd prepares a child running mode with arg. As nobody, when asked and
// when running as root: root ignores file permissions, so a read-only file is
// only read-only to someone else.
func childCmd(t *testing.T, mode, arg string, asNobody bool) *exec.Cmd {
	t.Helper()
	bin := os.Args[0]
	cmd := exec.Command(bin, "-test.run=^TestChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childModeEnv+"="+mode, childArgEnv+"="+arg)
	if asNobody && os.Geteuid() == 0 {
		// The test binary usually sits in a private build directory: give
		// nobody a copy it can execute.
		dir := worldDir(t)
		cp := filepath.Join(dir, "storage.test")
		copyFile(t, bin, cp, 0o755)
		cmd.Path, cmd.Args[0] = cp, cp
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	return cmd
}

func runChild(t *testing.T, mode, arg string, asNobody bool) {
	t.Helper()
	out, err := childCmd(t, mode, arg, asNobody).CombinedOutput()
	if err != nil {
		t.Fatalf("child %s failed: %v\n%s", mode, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestChild") {
		t.Fatalf("child %s did not pass:\n%s", mode, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Open: ") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

// worldDir is a temporary directory everyone can enter (t.TempDir's parents
// are private to the owner).
func worldDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bianmin-storage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(dir, 0o755)
		os.RemoveAll(dir)
	})
	mustf(t, os.Chmod(dir, 0o755), "chmod")
	return dir
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	mustf(t, err, "open")
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	mustf(t, err, "create")
	_, err = io.Copy(out, in)
	mustf(t, err, "copy")
	mustf(t, out.Close(), "close")
}

func init() {
	childModes["open-readonly-file"] = func(t *testing.T, path string) {
		_, err := Open(path)
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("Open of a read-only file = %v, want ErrReadOnly", err)
		}
		t.Logf("Open: %v", err)
		ro, err := OpenReadOnly(path)
		mustf(t, err, "OpenReadOnly")
		defer ro.Close()
		if ws, err := ro.Windows(ctx); err != nil || len(ws) != 2 {
			t.Fatalf("read: %v %v", ws, err)
		}
	}
	childModes["open-in-readonly-dir"] = func(t *testing.T, path string) {
		_, err := Open(path)
		if err == nil {
			t.Fatal("Open in a read-only directory succeeded")
		}
		t.Logf("Open: %v", err)
	}
	// fsize: the child may not write any file beyond arg bytes, which is what a
	// full disk looks like to SQLite (the write fails).
	childModes["open-disk-full"] = func(t *testing.T, arg string) {
		limitFileSize(t, 64<<10)
		_, err := openWith(arg, append(migrations[:len(migrations):len(migrations)], fillerMigration))
		if err == nil {
			t.Fatal("migration on a full disk succeeded")
		}
		t.Logf("Open: %v", err)
	}
	childModes["create-disk-full"] = func(t *testing.T, arg string) {
		limitFileSize(t, 0)
		_, err := Open(arg)
		if err == nil {
			t.Fatal("creating a database on a full disk succeeded")
		}
		if !strings.Contains(err.Error(), "disk") {
			t.Errorf("error does not mention the disk: %v", err)
		}
		t.Logf("Open: %v", err)
	}
}

func limitFileSize(t *testing.T, n uint64) {
	t.Helper()
	signal.Ignore(syscall.SIGXFSZ) // get EFBIG from write instead of dying
	mustf(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}), "setrlimit")
}

// fillerMigration writes far more than 64 KiB in one transaction.
var fillerMigration = sqlMigration("filler", `
	CREATE TABLE filler (b BLOB NOT NULL) STRICT;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
	INSERT INTO filler SELECT randomblob(1000) FROM n;`)

// seededFile creates a database with the fixture and a few ratings, closed.
func seededFile(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "centre.db")
	d, err := Open(path)
	mustf(t, err, "open")
	f := seed(t, d)
	for i := 0; i < 50; i++ {
		tx := finishedTx(t, d, f, t0)
		addEvals(t, d, rating(tx, 5, t0))
	}
	mustf(t, d.Close(), "close")
	return path
}

func TestOpenReadOnlyFileFailsClearly(t *testing.T) {
	dir := worldDir(t)
	path := seededFile(t, dir)
	mustf(t, os.Chmod(path, 0o444), "chmod file")
	mustf(t, os.Chmod(dir, 0o777), "chmod dir") // the directory itself is writable
	before := fileHash(t, path)
	if os.Geteuid() == 0 {
		runChild(t, "open-readonly-file", path, true)
	} else {
		childModes["open-readonly-file"](t, path)
	}
	if fileHash(t, path) != before {
		t.Fatal("file changed")
	}
}

func TestOpenInReadOnlyDirFailsClearly(t *testing.T) {
	dir := worldDir(t)
	existing := seededFile(t, dir)
	before := fileHash(t, existing)
	mustf(t, os.Chmod(dir, 0o555), "chmod dir")
	for _, path := range []string{filepath.Join(dir, "new.db"), existing} {
		if os.Geteuid() == 0 {
			runChild(t, "open-in-readonly-dir", path, true)
		} else {
			childModes["open-in-readonly-dir"](t, path)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); err == nil {
		t.Error("a file appeared in the read-only directory")
	}
	if fileHash(t, existing) != before {
		t.Fatal("existing file changed")
	}
}

func TestOpenOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	// A new database that cannot be written leaves no file behind.
	fresh := filepath.Join(dir, "fresh.db")
	runChild(t, "create-disk-full", fresh, false)
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		if _, err := os.Stat(fresh + s); err == nil {
			t.Errorf("left %s behind", fresh+s)
		}
	}
	// A migration that runs out of space leaves the old version intact.
	path := seededFile(t, dir)
	before := fileHash(t, path)
	runChild(t, "open-disk-full", path, false)
	if fileHash(t, path) != before {
		t.Fatal("failed migration changed the database file")
	}
	d, err := Open(path)
	mustf(t, err, "reopen")
	defer d.Close()
	if d.SchemaVersion() != KnownSchemaVersion() {
		t.Fatalf("version %d", d.SchemaVersion())
	}
	if n := count(t, d, `SELECT count(*) FROM sqlite_schema WHERE name = 'filler'`); n != 0 {
		t.Fatal("half a migration stored")
	}
	if n := count(t, d, `SELECT count(*) FROM evaluations`); n != 50 {
		t.Fatalf("evaluations = %d", n)
	}
	noProblems(t, d)
}
