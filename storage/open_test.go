package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
)

func TestOpenSetsPragmasOnEveryConnection(t *testing.T) {
	d := openTest(t)
	if d.SchemaVersion() != KnownSchemaVersion() || KnownSchemaVersion() < 1 {
		t.Fatalf("SchemaVersion = %d, known %d", d.SchemaVersion(), KnownSchemaVersion())
	}
	// Hold several connections at once so the pool has to open new ones.
	var conns []*sql.Conn
	for i := 0; i < 3; i++ {
		c, err := d.db.Conn(ctx)
		mustf(t, err, "conn")
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode string
		var fk, busy, sync int
		mustf(t, c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode), "journal_mode")
		mustf(t, c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk), "foreign_keys")
		mustf(t, c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy), "busy_timeout")
		mustf(t, c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync), "synchronous")
		if mode != "wal" || fk != 1 || busy != 5000 || sync != 2 {
			t.Errorf("conn %d: journal_mode %s, foreign_keys %d, busy_timeout %d, synchronous %d", i, mode, fk, busy, sync)
		}
		c.Close()
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	d, err := Open(path)
	mustf(t, err, "open")
	f := seed(t, d)
	mustf(t, d.Close(), "close")
	d, err = Open(path)
	mustf(t, err, "reopen")
	defer d.Close()
	s, err := d.StaffByID(ctx, f.clerk1)
	if err != nil || s.Name != "张三" {
		t.Fatalf("after reopen: %+v, %v", s, err)
	}
	noProblems(t, d)
}

func TestMigrationsRunInOrderEachInOneTransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	d, err := Open(path)
	mustf(t, err, "open")
	seed(t, d)
	d.Close()

	var ran []string
	step := func(name, script string) migration {
		return migration{name: name, up: func(tx *sql.Tx) error {
			ran = append(ran, name)
			_, err := tx.Exec(script)
			return err
		}}
	}
	base := migrations[:len(migrations):len(migrations)]
	v2 := step("notes", `CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL) STRICT`)
	v3 := step("note", `INSERT INTO notes (text) VALUES ('migrated')`)
	broken := step("broken", `CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1)`)

	// A failing step leaves the database at the last good version, with no
	// trace of the failed step.
	_, err = openWith(path, append(base, v2, v3, broken))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema v%d (broken)", len(base)+3)) {
		t.Fatalf("broken migration: %v", err)
	}
	if strings.Join(ran, ",") != "notes,note,broken" {
		t.Fatalf("ran %v", ran)
	}
	d, err = openWith(path, append(base, v2, v3))
	mustf(t, err, "open at v+2")
	if d.SchemaVersion() != len(base)+2 {
		t.Fatalf("version %d", d.SchemaVersion())
	}
	if n := count(t, d, `SELECT count(*) FROM sqlite_schema WHERE name = 'half'`); n != 0 {
		t.Fatal("failed migration left a table")
	}
	if n := count(t, d, `SELECT count(*) FROM notes`); n != 1 {
		t.Fatalf("notes rows = %d", n)
	}
	d.Close()
	// This build (v1) now refuses the file.
	if _, err := Open(path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("open of a newer file: %v", err)
	}
}

func TestNewerSchemaIsRefusedUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.db")
	d, err := Open(path)
	mustf(t, err, "open")
	seed(t, d)
	d.Close()
	raw, err := sql.Open("sqlite", path)
	mustf(t, err, "raw")
	_, err = raw.Exec(`PRAGMA user_version = 42`)
	mustf(t, err, "bump")
	raw.Close()
	before := fileHash(t, path)

	_, err = Open(path)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open = %v, want ErrNewerSchema", err)
	}
	want := fmt.Sprintf("database was written by a newer bianmin (schema v42, this build knows v%d)", KnownSchemaVersion())
	if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "storage: ") {
		t.Fatalf("message %q lacks %q", err, want)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("OpenReadOnly = %v, want ErrNewerSchema", err)
	}
	if fileHash(t, path) != before {
		t.Fatal("refused open changed the file")
	}
}

func TestNotADatabaseIsRefusedUntouched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.txt")
	content := strings.Repeat("这不是数据库。not a database\n", 300)
	mustf(t, os.WriteFile(path, []byte(content), 0o644), "write")
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "not a bianmin database") {
		t.Fatalf("Open = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Fatal("file changed")
	}
	for _, s := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + s); err == nil {
			t.Errorf("left %s behind", path+s)
		}
	}
	if _, err := Open(dir); err == nil {
		t.Error("opened a directory")
	}
}

func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	if _, err := OpenReadOnly(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenReadOnly of a missing file: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("OpenReadOnly created the file")
	}
	d, err := Open(path)
	mustf(t, err, "open")
	f := seed(t, d)
	finishedTx(t, d, f, t0)
	d.Close()
	before := fileHash(t, path)

	ro, err := OpenReadOnly(path)
	mustf(t, err, "OpenReadOnly")
	defer ro.Close()
	if ws, err := ro.Windows(ctx); err != nil || len(ws) != 2 {
		t.Fatalf("read: %v %v", ws, err)
	}
	if _, err := ro.AddWindow(ctx, app.Window{Number: 9}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write on read-only: %v", err)
	}
	if _, err := ro.db.Exec(`DELETE FROM outbox`); err == nil {
		t.Fatal("raw write on read-only succeeded")
	}
	noProblems(t, ro)
	if fileHash(t, path) != before {
		t.Fatal("read-only use changed the file")
	}
}

func TestCheckReportsProblems(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	noProblems(t, d)
	// Break a reference behind the store's back.
	_, err := d.db.Exec(`PRAGMA foreign_keys = OFF`)
	mustf(t, err, "fk off")
	conn, err := d.db.Conn(ctx)
	mustf(t, err, "conn")
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`)
	mustf(t, err, "fk off")
	_, err = conn.ExecContext(ctx, `INSERT INTO posts (window_id, post, staff_id) VALUES (?, 'A', 4242)`, f.win1)
	mustf(t, err, "orphan")
	for _, check := range []func(context.Context) ([]string, error){d.Check, d.QuickCheck} {
		problems, err := check(ctx)
		mustf(t, err, "check")
		if len(problems) != 1 || !strings.Contains(problems[0], "posts") || !strings.Contains(problems[0], "staff") {
			t.Fatalf("problems = %q", problems)
		}
	}
}

func TestMigrationV2BackfillsActiveRated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	d, err := openWith(path, migrations[:1])
	mustf(t, err, "open at v1")
	f := seed(t, d)
	active := finishedTx(t, d, f, t0)
	timedOut := finishedTx(t, d, f, t0)
	unrated := finishedTx(t, d, f, t0)
	to := rating(timedOut, app.LevelNone, t0)
	to.Kind = app.KindTimeout
	addEvals(t, d, rating(active, app.LevelGood, t0), to)
	d.Close()

	d, err = Open(path)
	mustf(t, err, "migrate to v2")
	defer d.Close()
	if d.SchemaVersion() != KnownSchemaVersion() {
		t.Fatalf("version %d", d.SchemaVersion())
	}
	rated := func() map[int64]bool {
		t.Helper()
		facts, err := d.TxFacts(ctx, t0, t0.Add(time.Hour))
		mustf(t, err, "TxFacts")
		m := map[int64]bool{}
		for _, f := range facts {
			m[f.ID] = f.ActiveRated
		}
		return m
	}
	if got := rated(); !got[active.ID] || got[timedOut.ID] || got[unrated.ID] || len(got) != 3 {
		t.Fatalf("after migration: %v", got)
	}
	addEvals(t, d, rating(unrated, app.LevelGood, t0))
	if got := rated(); !got[unrated.ID] || got[timedOut.ID] {
		t.Fatalf("after a new rating: %v", got)
	}
	if n := count(t, d, `SELECT count(*) FROM sqlite_schema WHERE name = 'transactions_status'`); n != 0 {
		t.Error("old index still there")
	}
	noProblems(t, d)
}

func TestCheckFindsDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	d, err := Open(path)
	mustf(t, err, "open")
	f := seed(t, d)
	for i := 0; i < 300; i++ {
		tx := finishedTx(t, d, f, t0)
		addEvals(t, d, rating(tx, app.LevelGood, t0))
	}
	mustf(t, d.Close(), "close")
	// Scribble over a page in the middle of the file, as a failing disk might.
	b, err := os.ReadFile(path)
	mustf(t, err, "read")
	const page = 4096
	mid := (len(b) / page / 2) * page
	for i := mid + 100; i < mid+page-100; i++ {
		b[i] = 0x5a
	}
	mustf(t, os.WriteFile(path, b, 0o644), "write")

	ro, err := OpenReadOnly(path)
	mustf(t, err, "open damaged")
	defer ro.Close()
	problems, err := ro.Check(ctx)
	if err == nil && len(problems) == 0 {
		t.Fatal("Check found nothing wrong with a damaged file")
	}
	t.Logf("Check: %d problems (first: %.100q), err %v", len(problems), first(problems), err)
}

func first(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return l[0]
}
