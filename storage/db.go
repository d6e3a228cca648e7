package storage

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bianmin/app"

	"github.com/google/uuid"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The DB implements app.Store.
var _ app.Store = (*DB)(nil)

var (
	// ErrNewerSchema means the database file was migrated by a newer bianmin
	// than this one. Opening it is refused so that an old build never writes
	// rows a newer schema does not expect.
	ErrNewerSchema = errors.New("database was written by a newer bianmin")

	// ErrOlderSchema is returned by OpenReadOnly for a database an older
	// bianmin wrote: it needs migrating, which only a read-write open does.
	ErrOlderSchema = errors.New("database schema is older than this build's")

	// ErrReadOnly is returned by writes on a DB opened with OpenReadOnly, and
	// by Open when the file or its directory cannot be written.
	ErrReadOnly = errors.New("database is read-only")

	// ErrDuplicate is returned when a write would create a second record with
	// a key that must be unique (UID, serial, paper form number, 工号, …).
	// It is app.ErrDuplicate, so app/ can tell a refused duplicate rating.
	ErrDuplicate = app.ErrDuplicate
)

// busyTimeoutMS is how long a connection waits for another writer (another
// process: a CLI backup, a second instance) before giving up with SQLITE_BUSY.
const busyTimeoutMS = 5000

// DB is the SQLite store of one node. It is safe for concurrent use.
type DB struct {
	db       *sql.DB
	path     string
	readOnly bool
	version  int
	migs     []migration // the schema's definition (migrations, or a test's)
	repairs  []string    // what Open put back in the schema

	// wlock serialises this process's write transactions: holding it is
	// sending into it, letting go is receiving. SQLite allows one writer at a
	// time anyway; queueing in Go instead of in SQLite's busy handler (which
	// sleeps and polls) keeps latency low under contention. Other processes
	// still meet the busy timeout. A channel rather than a mutex so that a
	// grouped write can wait for its answer or the lock, whichever comes.
	wlock chan struct{}

	clock atomic.Pointer[clockHolder]
	dest  atomic.Pointer[string]

	// onOutbox is called after a commit that wrote outbox rows (OnOutbox);
	// enqueued is set by enqueue during the write in progress (under wlock).
	onOutbox atomic.Pointer[func()]
	enqueued bool

	stmts sync.Map // query text → *sql.Stmt, prepared once (queue.go)

	gmu   sync.Mutex  // guards group
	group []*groupJob // writes waiting to share the next commit (writeGrouped)
	// onGroup, when set (tests), is told the size of every group committed.
	onGroup func(size int)
}

type clockHolder struct{ c app.Clock }

// DefaultDestination is the outbox destination written until
// SetOutboxDestination is called: "the next node up" (the hub for a counter,
// the county platform for a hub).
const DefaultDestination = "upstream"

// Open opens the database at path read-write, creating it when missing, and
// migrates it to the schema this build knows. It refuses a database written
// by a newer build (ErrNewerSchema), a file that is not a database, and a file
// or directory it cannot write (ErrReadOnly); in all those cases nothing on
// disk is changed. A database file that Open itself created is removed again
// when creating the schema fails (for example on a full disk).
func Open(path string) (*DB, error) {
	return openWith(path, migrations)
}

// openWith is Open with an explicit migration list, so tests can simulate a
// later schema version.
func openWith(path string, migs []migration) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to resolve %q: %w", path, err)
	}
	existed := true
	if fi, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		existed = false
	} else if err != nil {
		return nil, fmt.Errorf("storage: unable to open %s: %w", abs, err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("storage: unable to open %s: is a directory", abs)
	}

	if existed {
		// Look before touching: a read-only connection that sets no pragma
		// cannot change the file, whatever it turns out to hold.
		v, err := probeVersion(abs)
		if err != nil {
			return nil, fmt.Errorf("storage: unable to open %s: %w", abs, explain(err))
		}
		if v > len(migs) {
			return nil, newerSchemaError(abs, v, len(migs))
		}
	}

	if existed {
		tighten(abs)
	} else if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		// Made here, 0600, before SQLite opens it: SQLite gives the -wal and
		// -shm files the database file's mode, so none is readable by others.
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("storage: unable to create %s: %w", abs, err)
	}

	d, err := openRW(abs, migs)
	if err != nil {
		if !existed {
			removeIfEmpty(abs)
		}
		return nil, err
	}
	return d, nil
}

// tighten takes group and other permissions off a database and its side
// files: they hold PIN hashes, the centre's keys and applicants' data.
// (Windows keeps its ACLs; the installer puts the data in a folder only
// administrators and the program's users can read.)
func tighten(abs string) {
	if runtime.GOOS == "windows" {
		return
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(abs + suffix); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(abs+suffix, fi.Mode().Perm()&^0o077)
		}
	}
}

func openRW(abs string, migs []migration) (*DB, error) {
	sdb, err := sql.Open("sqlite", fileURI(abs, rwParams()))
	if err != nil {
		return nil, fmt.Errorf("storage: unable to open %s: %w", abs, err)
	}
	d := &DB{db: sdb, path: abs, migs: migs, wlock: make(chan struct{}, 1)}
	if err := d.migrate(context.Background(), migs); err != nil {
		sdb.Close()
		return nil, err
	}
	if d.repairs, err = d.repairSchema(context.Background()); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// rwParams are the connection settings of a read-write database.
func rwParams() url.Values {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: in WAL mode every commit is fsynced, so a rating the clerk saw
	// stored survives a power cut, not just a crash. Township centres lose
	// power; rating volume is hundreds a day, so the fsync is affordable
	// (see BenchmarkIngestVsPlain).
	q.Add("_pragma", "synchronous(FULL)")
	// Every transaction takes the write lock at BEGIN: a deferred transaction
	// that reads and then writes can fail with SQLITE_BUSY without waiting.
	// Reads in this package run outside transactions.
	q.Set("_txlock", "immediate")
	return q
}

// ErrNotBianmin is returned by OpenExisting for a file that exists but is
// not a bianmin database: empty, or another program's SQLite file.
var ErrNotBianmin = errors.New("not a bianmin database")

// OpenExisting is Open for a file that must already be a bianmin database
// (the commands that read or maintain one: stats, report, export, backup,
// update). An empty file, a file with no bianmin tables, or a missing file is
// refused without being touched, where Open would make a new database of it.
func OpenExisting(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to resolve %q: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to open %s: %w", abs, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("storage: unable to open %s: is a directory", abs)
	}
	if err := isBianmin(abs, fi.Size()); err != nil {
		return nil, err
	}
	return Open(abs)
}

// isBianmin refuses, through a read-only connection, a file that is empty or
// lacks bianmin's core tables.
func isBianmin(abs string, size int64) error {
	if size == 0 {
		return fmt.Errorf("storage: unable to open %s: %w (the file is empty)", abs, ErrNotBianmin)
	}
	sdb, err := sql.Open("sqlite", fileURI(abs, url.Values{"mode": {"ro"}}))
	if err != nil {
		return fmt.Errorf("storage: unable to open %s: %w", abs, err)
	}
	defer sdb.Close()
	var n int
	if err := sdb.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table'
		AND name IN ('centre', 'transactions', 'evaluations', 'outbox')`).Scan(&n); err != nil {
		return fmt.Errorf("storage: unable to open %s: %w", abs, explain(err))
	}
	if n != 4 {
		return fmt.Errorf("storage: unable to open %s: %w (no bianmin tables in it)", abs, ErrNotBianmin)
	}
	return nil
}

// OpenReadOnly opens an existing database for reading only (reports, export,
// a backup opened for checking). It never creates or changes the file. The
// database must be at exactly the schema version this build knows.
func OpenReadOnly(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to resolve %q: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to open %s: %w", abs, err)
	}
	if err := isBianmin(abs, fi.Size()); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "query_only(1)")
	sdb, err := sql.Open("sqlite", fileURI(abs, q))
	if err != nil {
		return nil, fmt.Errorf("storage: unable to open %s: %w", abs, err)
	}
	var v int
	if err := sdb.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("storage: unable to open %s: %w", abs, explain(err))
	}
	switch {
	case v > len(migrations):
		sdb.Close()
		return nil, newerSchemaError(abs, v, len(migrations))
	case v < len(migrations):
		sdb.Close()
		return nil, fmt.Errorf("storage: unable to open %s read-only: %w (schema v%d, this build's v%d); open it read-write once to upgrade it", abs, ErrOlderSchema, v, len(migrations))
	}
	return &DB{db: sdb, path: abs, readOnly: true, version: v, migs: migrations, wlock: make(chan struct{}, 1)}, nil
}

func newerSchemaError(path string, have, know int) error {
	return fmt.Errorf("storage: unable to open %s: %w (schema v%d, this build knows v%d)", path, ErrNewerSchema, have, know)
}

// probeVersion reads user_version through a read-only connection.
func probeVersion(abs string) (int, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	sdb, err := sql.Open("sqlite", fileURI(abs, q))
	if err != nil {
		return 0, err
	}
	defer sdb.Close()
	var v int
	// Reading sqlite_schema makes SQLite parse the header and the schema, so a
	// file that is not a database fails here ("file is not a database").
	var n int
	if err := sdb.QueryRow("SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return 0, err
	}
	if err := sdb.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return 0, err
	}
	return v, nil
}

// removeIfEmpty deletes a database file that Open created but could not
// initialise, provided it really holds nothing (no schema, version 0), so a
// failed first start leaves no half-made file behind.
func removeIfEmpty(abs string) {
	fi, err := os.Stat(abs)
	if err != nil {
		return
	}
	if fi.Size() > 0 {
		v, err := probeVersion(abs)
		if err != nil || v != 0 {
			return
		}
		sdb, err := sql.Open("sqlite", fileURI(abs, url.Values{"mode": {"ro"}}))
		if err != nil {
			return
		}
		var n int
		err = sdb.QueryRow("SELECT count(*) FROM sqlite_schema").Scan(&n)
		sdb.Close()
		if err != nil || n != 0 {
			return
		}
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal", ""} {
		os.Remove(abs + suffix)
	}
}

// fileURI builds a SQLite URI for an absolute path (any OS) with the query.
func fileURI(abs string, q url.Values) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x → /C:/x, as SQLite expects on Windows
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

// explain wraps SQLite errors whose raw text does not tell a user what to do.
func explain(err error) error {
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: the file or its directory is not writable: %w", ErrReadOnly, err)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("the file or its directory cannot be opened or created (permissions? path?): %w", err)
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("not a bianmin database: %w", err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("the disk is full: %w", err)
	case sqlite3.SQLITE_IOERR:
		return fmt.Errorf("disk I/O error (disk full or failing?): %w", err)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("the database file is damaged; restore the latest backup: %w", err)
	case sqlite3.SQLITE_BUSY:
		return fmt.Errorf("the database is locked by another program (is bianmin already running?): %w", err)
	case sqlite3.SQLITE_CONSTRAINT:
		if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return fmt.Errorf("%w: %w", ErrDuplicate, err)
		}
	}
	return err
}

// sqliteCode is the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// Close closes the database. A clean close checkpoints the WAL into the file.
func (d *DB) Close() error {
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("storage: unable to close %s: %w", d.path, err)
	}
	return nil
}

// Path is the absolute path of the database file.
func (d *DB) Path() string { return d.path }

// SchemaVersion is the schema version of the open database (PRAGMA
// user_version), which after Open is the newest this build knows.
func (d *DB) SchemaVersion() int { return d.version }

// KnownSchemaVersion is the newest schema version this build can create.
func KnownSchemaVersion() int { return len(migrations) }

// SetClock sets the source of "now" for filled-in timestamps (CreatedAt,
// audit times, outbox times). The default is the system clock in China time.
func (d *DB) SetClock(c app.Clock) { d.clock.Store(&clockHolder{c}) }

// SetOutboxDestination sets the destination written on new outbox rows.
func (d *DB) SetOutboxDestination(dest string) { d.dest.Store(&dest) }

func (d *DB) now() time.Time {
	if h := d.clock.Load(); h != nil && h.c != nil {
		return h.c.Now()
	}
	return time.Now()
}

func (d *DB) destination() string {
	if p := d.dest.Load(); p != nil {
		return *p
	}
	return DefaultDestination
}

// write runs fn in one immediate transaction; any error rolls everything back.
func (d *DB) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	if d.readOnly {
		return fmt.Errorf("storage: unable to %s: %w", what, ErrReadOnly)
	}
	d.wlock <- struct{}{}
	defer func() { <-d.wlock }()
	return d.writeLocked(ctx, what, fn)
}

// writeLocked is write for a caller that holds wlock.
func (d *DB) writeLocked(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	d.enqueued = false
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: unable to %s: %w", what, explain(err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("storage: unable to %s: %w", what, explain(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storage: unable to %s: %w", what, explain(err))
	}
	if f := d.onOutbox.Load(); f != nil && d.enqueued {
		(*f)()
	}
	return nil
}

// newUID returns a UUIDv7 (RFC 9562) as 32 hex digits: 48 bits of the
// clock, then random bits. Rows stored one after another get ascending UIDs,
// so the unique indexes on them grow at their end like the row ids do:
// a group commit of ten ratings writes one leaf page of each such index
// instead of ten scattered ones (BenchmarkIngestConcurrent).
func newUID() string {
	u, err := uuid.NewV7()
	if err != nil {
		panic("storage: crypto/rand failed: " + err.Error()) // never on supported systems
	}
	return hex.EncodeToString(u[:])
}

// Time columns are INTEGER unix milliseconds (UTC); NULL is the zero time.

// ms converts t for a nullable time column.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// norm is t as it will read back: millisecond precision, China time.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.UnixMilli()).In(app.ChinaTime)
}

// msTime scans a nullable millisecond column into a time.Time.
type msTime struct{ t *time.Time }

func (m msTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(x).In(app.ChinaTime)
	default:
		return fmt.Errorf("time column holds %T, want integer milliseconds", v)
	}
	return nil
}

// tm adapts a *time.Time field for Scan.
func tm(t *time.Time) msTime { return msTime{t} }

// ref converts an ID for a nullable foreign-key column: 0 means none.
func ref(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// notFound wraps app.ErrNotFound with what was looked for.
func notFound(format string, args ...any) error {
	return fmt.Errorf("storage: %s: %w", fmt.Sprintf(format, args...), app.ErrNotFound)
}

// queryErr wraps a read error, turning sql.ErrNoRows into app.ErrNotFound.
func queryErr(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(format, args...)
	}
	return fmt.Errorf("storage: unable to read %s: %w", fmt.Sprintf(format, args...), explain(err))
}

// txExec runs query in tx through the DB's prepared statement for it: the
// hot writes (a rating, its outbox row and audit entry) cost more to parse,
// with the triggers that compile with them, than to run.
func (d *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// txQueryRow is txExec for a statement that returns one row.
func (d *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := d.stmt(ctx, query)
	if err != nil {
		// A sql.Row cannot carry the error: let the transaction run the
		// query unprepared and report it.
		return tx.QueryRowContext(ctx, query, args...)
	}
	return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}
