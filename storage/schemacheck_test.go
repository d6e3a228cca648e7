package storage

import (
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"bianmin/app"
)

// With the file in hand, someone drops the append-only trigger, deletes a
// rating and adds a trigger of their own. Check (read-only) names all of
// it; opening read-write puts the triggers back as defined, drops the
// stranger, says so in the audit log, and deletes are refused again.
func TestDroppedTriggerRestored(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	tx2 := finishedTx(t, d, f, t0)
	tx3 := finishedTx(t, d, f, t0)
	addEvals(t, d, rating(tx, app.LevelVeryBad, t0.Add(time.Minute)))
	addEvals(t, d, rating(tx2, app.LevelGood, t0.Add(time.Minute)))
	addEvals(t, d, rating(tx3, app.LevelGood, t0.Add(time.Minute)))
	path := d.Path()
	d.Close()

	raw, err := sql.Open("sqlite", "file:"+path)
	mustf(t, err, "raw open")
	for _, q := range []string{
		`DROP TRIGGER evaluations_no_delete`,
		`DELETE FROM evaluations WHERE level = 1`,
		`CREATE TRIGGER hide_bad AFTER INSERT ON evaluations BEGIN SELECT 1; END`,
		`DROP INDEX evaluations_one_per_visit`,
	} {
		_, err := raw.Exec(q)
		mustf(t, err, "%s", q)
	}
	raw.Close()

	ro, err := OpenReadOnly(path)
	mustf(t, err, "read-only open")
	problems, err := ro.Check(ctx)
	mustf(t, err, "check")
	ro.Close()
	all := strings.Join(problems, "\n")
	for _, want := range []string{"trigger evaluations_no_delete is missing", "index evaluations_one_per_visit is missing",
		"trigger hide_bad on evaluations is not part of bianmin", "1 of ids 1..3 are missing", "1 ratings recorded for upload"} {
		if !strings.Contains(all, want) {
			t.Errorf("check did not report %q:\n%s", want, all)
		}
	}

	d, err = Open(path)
	mustf(t, err, "reopen")
	defer d.Close()
	if r := strings.Join(d.Repairs(), "; "); !strings.Contains(r, "restored trigger evaluations_no_delete") ||
		!strings.Contains(r, "dropped foreign trigger hide_bad") || !strings.Contains(r, "restored index evaluations_one_per_visit") {
		t.Fatalf("repairs %q", r)
	}
	log, err := d.AuditLog(ctx, time.Time{}, time.Time{})
	mustf(t, err, "audit")
	if len(log) == 0 || log[len(log)-1].Action != AuditSchemaRepaired || !strings.Contains(log[len(log)-1].Detail, "evaluations_no_delete") {
		t.Fatalf("audit log %+v", log)
	}
	if _, err := d.db.Exec(`DELETE FROM evaluations`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete after the repair: %v", err)
	}
	problems, err = d.Check(ctx)
	mustf(t, err, "check after repair")
	if all := strings.Join(problems, "\n"); strings.Contains(all, "schema:") || !strings.Contains(all, "ids 1..3 are missing") {
		t.Fatalf("after the repair the schema should be whole and the lost rating still reported:\n%s", all)
	}
	// A second open finds nothing to repair.
	d.Close()
	d, err = Open(path)
	mustf(t, err, "third open")
	if len(d.Repairs()) != 0 {
		t.Fatalf("repaired again: %v", d.Repairs())
	}
}

// A database made by this build has the schema the reference says, so a
// healthy file is never "repaired".
func TestFreshSchemaMatchesReference(t *testing.T) {
	d := openTest(t)
	p, err := d.SchemaProblems(ctx)
	mustf(t, err, "schema problems")
	if len(p) != 0 || len(d.Repairs()) != 0 {
		t.Fatalf("fresh database: problems %v, repairs %v", p, d.Repairs())
	}
}

// A unique index dropped while a duplicate slipped in cannot come back; the
// file still opens (the centre keeps working), the audit log says why, and
// Check keeps reporting it.
func TestUnrestorableIndexDoesNotStopOpen(t *testing.T) {
	d := openTest(t)
	f := seed(t, d)
	tx := finishedTx(t, d, f, t0)
	addEvals(t, d, rating(tx, app.LevelGood, t0.Add(time.Minute)))
	path := d.Path()
	d.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	mustf(t, err, "raw open")
	for _, q := range []string{
		`DROP INDEX evaluations_one_per_visit`,
		`DROP TRIGGER evaluations_no_replace`,
		`INSERT INTO evaluations SELECT id + 100, uid || 'x', event_id, transaction_id, visit, dimension, 1, tags, text,
			channel, device, kind, rater, evaluator_name, evaluator_tel, corrects_id, form_no, entered_by, window_id,
			clerk_id, item_code, rated_at, created_at FROM evaluations`,
	} {
		_, err := raw.Exec(q)
		mustf(t, err, "%s", q)
	}
	raw.Close()
	d, err = Open(path)
	mustf(t, err, "open with a duplicate rating")
	defer d.Close()
	if r := strings.Join(d.Repairs(), "; "); !strings.Contains(r, "unable to restore index evaluations_one_per_visit") ||
		!strings.Contains(r, "restored trigger evaluations_no_replace") {
		t.Fatalf("repairs %q", r)
	}
	problems, err := d.Check(ctx)
	mustf(t, err, "check")
	if !strings.Contains(strings.Join(problems, "\n"), "index evaluations_one_per_visit is missing") {
		t.Fatalf("check %v", problems)
	}
}

// The database, its WAL and shared-memory files and a backup are readable
// by their owner only; an old file with wider permissions is tightened.
func TestDatabaseFilesOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps ACLs")
	}
	d := openTest(t)
	f := seed(t, d)
	addEvals(t, d, rating(finishedTx(t, d, f, t0), app.LevelGood, t0.Add(time.Minute)))
	bk := filepath.Join(t.TempDir(), "backup.db")
	mustf(t, d.Backup(ctx, bk), "backup")
	for _, p := range []string{d.Path(), d.Path() + "-wal", d.Path() + "-shm", bk} {
		fi, err := os.Stat(p)
		mustf(t, err, "stat %s", p)
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want owner only", filepath.Base(p), fi.Mode().Perm())
		}
	}
	path := d.Path()
	d.Close()
	mustf(t, os.Chmod(path, 0o644), "widen")
	d, err := Open(path)
	mustf(t, err, "reopen")
	defer d.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("reopened file has mode %v, want 0600", fi.Mode().Perm())
	}
}
