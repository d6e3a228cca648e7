// Package storage is bianmin's SQLite store: schema, migrations, the
// app.Store implementation, the outbox, backup and checks.
//
// Import it as is; where it meets fyne.io/fyne/v2/storage (only in main and
// screens, which should not need both) alias Fyne's as fynestorage.
//
// # Shape
//
// One DB type wraps *sql.DB (modernc.org/sqlite, pure Go), in the style of
// miniflux: one file per area (setup, transactions, evaluations, work orders,
// facts, outbox, maintenance), errors as "storage: unable to …: %w", and
// app.ErrNotFound for missing records.
//
// # Choices, and why
//
//   - WAL with synchronous=FULL: readers never block the writer, and a
//     rating the clerk saw stored survives a power cut. Foreign keys are on,
//     busy timeout 5 s, all through the DSN so every pooled connection has
//     them. Write transactions BEGIN IMMEDIATE and are queued on a Go mutex
//     first (SQLite has one writer anyway; the mutex avoids its sleep-and-poll
//     busy handler within the process).
//   - Forward-only migrations tracked by PRAGMA user_version, each in one
//     transaction with its version bump. Open first reads the version through
//     a read-only connection that sets no pragma, so a database from a newer
//     build (ErrNewerSchema), a file that is not a database, or a read-only
//     file is refused before anything is written.
//   - Times are INTEGER unix milliseconds (UTC), NULL for the zero time, and
//     read back in app.ChinaTime. Absent references (ID 0) are NULL so
//     foreign keys can be declared. Tables are STRICT.
//   - Evaluations are append-only in the schema itself: triggers abort UPDATE,
//     DELETE and INSERT OR REPLACE of an existing row. A correction is a new
//     row with corrects_id; a row is corrected at most once (unique index), so
//     a second correction corrects the first and "the row that stands" is
//     always well defined.
//   - Every write that other nodes must learn of writes its outbox row in the
//     same transaction (kinds transaction, evaluation, workorder); sync/ reads
//     them with PendingOutbox and acknowledges with MarkOutboxSent.
//   - transactions.rating_pending, kept by triggers, narrows FinishedUnrated
//     to the few transactions still awaiting a rating through a partial index,
//     so the timeout sweeper does not walk ten years of rated transactions.
//     The query still checks the evaluations itself; the flag is only a hint.
//   - Facts for monthly reports (EvalFacts, OrderFacts, TxFacts) are the one
//     hot read path: a month of a busy centre is ~16 000 evaluations. They
//     read covering indexes in (time, id) order, return each row packed into
//     one text value (the driver's per-column cost exceeds SQLite's own work),
//     and merge the rare corrections and work-order verdicts in Go within one
//     read transaction. See facts.go, BenchmarkEvalFactsMonth10y and
//     TestQueryPlans, which pins the plans.
//   - Backup uses VACUUM INTO (a consistent snapshot while the app writes)
//     into a temporary file that is fsynced and then hard-linked into place,
//     so the backup path never holds half a file and is never overwritten.
package storage
