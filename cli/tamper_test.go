package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stats, export, report, check and backup on a zero-byte file or another
// program's SQLite file refuse with a Chinese message and leave the file as
// it was (no schema written into it, no side files).
func TestReadCommandsRefuseEmptyAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	raw, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x'); PRAGMA user_version = 3`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, path := range []string{empty, foreign} {
		before := hashFile(t, path)
		for _, args := range [][]string{
			{"stats", "--db", path, "--from", "2026-01-01", "--to", "2026-01-31"},
			{"export", "--db", path, "--what", "evaluations", "--format", "csv", "--out", filepath.Join(dir, "x.csv")},
			{"report", "--db", path, "--month", "2026-01", "--out", filepath.Join(dir, "x.pdf")},
			{"check", "--db", path},
			{"backup", "--db", path, "--out", filepath.Join(dir, "bk.db")},
		} {
			code, _, errs := run(t, args...)
			if code == 0 || !strings.Contains(errs, "不是便民系统的数据库") {
				t.Errorf("%s on %s: %d %s", args[0], filepath.Base(path), code, errs)
			}
		}
		if hashFile(t, path) != before {
			t.Errorf("%s was changed", filepath.Base(path))
		}
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + side); err == nil {
				t.Errorf("%s%s was created", filepath.Base(path), side)
			}
		}
	}
	for _, f := range []string{"x.csv", "x.pdf", "bk.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was written from a file that is not a bianmin database", f)
		}
	}
}

// A dropped append-only trigger and a deleted rating: check (read-only)
// names them and exits 1 without repairing anything; the next read-write
// open puts the trigger back.
func TestCheckReportsDroppedTrigger(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	if code, _, errs := run(t, "demo", "--db", db, "--days", "2"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER evaluations_no_delete`,
		`DELETE FROM evaluations WHERE id = (SELECT min(id) FROM evaluations)`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	before := hashFile(t, db)
	code, out, errs := run(t, "check", "--db", db)
	if code != 1 || !strings.Contains(out, "trigger evaluations_no_delete is missing") || !strings.Contains(out, "rating rows deleted") ||
		!strings.Contains(out, "数据库检查发现") {
		t.Fatalf("check: %d\n%s\n%s", code, out, errs)
	}
	if hashFile(t, db) != before {
		t.Fatal("check changed the file")
	}
	// Any read-write open (here stats) restores the trigger and logs it.
	if code, _, errs := run(t, "stats", "--db", db); code != 0 || !strings.Contains(errs, "restored trigger evaluations_no_delete") {
		t.Fatalf("stats: %d %s", code, errs)
	}
	_, out, _ = run(t, "check", "--db", db)
	if strings.Contains(out, "schema:") || !strings.Contains(out, "rating rows deleted") {
		t.Fatalf("check after the repair:\n%s", out)
	}
}

// A centre name in GBK bytes (a terminal in a GBK locale) is refused; no
// database is made.
func TestInitRefusesNonUTF8(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	gbk := string([]byte{0xbc, 0xd7, 0xd5, 0xf2}) // 甲镇 in GBK
	code, _, errs := run(t, "init", "--db", db, "--centre", gbk, "--area", "370911105000")
	if code != 2 || !strings.Contains(errs, "UTF-8") {
		t.Fatalf("init with GBK bytes: %d %s", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a database was made")
	}
}

// export and pc list open the database read-only: the file is byte for byte
// the same afterwards and no side files appear.
func TestExportLeavesTheFileUntouched(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	if code, _, errs := run(t, "demo", "--db", db, "--days", "2"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := hashFile(t, db)
	if code, _, errs := run(t, "export", "--db", db, "--what", "evaluations", "--format", "csv", "--out", filepath.Join(dir, "e.csv")); code != 0 {
		t.Fatalf("export: %s", errs)
	}
	if code, _, errs := run(t, "pc", "list", "--db", db); code != 0 {
		t.Fatalf("pc list: %s", errs)
	}
	if hashFile(t, db) != before {
		t.Fatal("export changed the database file")
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(db + side); err == nil {
			t.Errorf("%s appeared", side)
		}
	}
}
