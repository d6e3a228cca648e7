package storage

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
)

// Group commit. With synchronous=FULL every commit waits for the disk; when
// several windows store ratings at the same moment they would queue for one
// fsync each. writeGrouped lets the writes that arrive while a commit is in
// progress share the next one, and each caller is answered only after the
// commit that holds its write is durable. A write that fails in a group is
// answered with its own error and the others are stored: the group is undone
// and each write runs alone. Writes seldom fail, so this costs less than a
// savepoint around every write (those journal each page a write changes;
// past 64 KiB the journal spilled to a temporary file, which measured as a
// third of a group's time in BenchmarkIngestConcurrent).

// maxGroup bounds the writes in one commit, so the first caller in a group
// does not wait behind an unbounded queue.
const maxGroup = 64

type groupJob struct {
	ctx  context.Context
	what string
	fn   func(tx *sql.Tx) error
	done chan error // buffered: the committer never blocks on delivering
}

// writeGrouped is write for writes that may share a commit with others. fn
// must be safe to run a second time after a failed attempt (it is, when it
// only assigns its results): when any write of a group fails (a resent
// rating, a paper form entered twice, a caller that gave up, a broken
// transaction) the group is undone and each of its writes runs again alone.
func (d *DB) writeGrouped(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	if d.readOnly {
		return fmt.Errorf("storage: unable to %s: %w", what, ErrReadOnly)
	}
	j := &groupJob{ctx: ctx, what: what, fn: fn, done: make(chan error, 1)}
	d.gmu.Lock()
	d.group = append(d.group, j)
	d.gmu.Unlock()

	// Whoever holds wlock commits everything queued. A job taken by another
	// committer is answered before that committer lets go of wlock, so a
	// caller waits for its answer or for wlock, and holding wlock finds its
	// job either answered or still queued.
	select {
	case err := <-j.done:
		return err
	case d.wlock <- struct{}{}:
	}
	defer func() { <-d.wlock }()
	d.gmu.Lock()
	alone := len(d.group) == 1
	d.gmu.Unlock()
	if alone {
		// Writers answered by the last commit are often runnable but not yet
		// queued again (2 cores, 10 windows): let them queue, so they share
		// this commit instead of each waiting for a commit of its own.
		runtime.Gosched()
	}
	for {
		select {
		case err := <-j.done:
			return err
		default:
		}
		d.gmu.Lock()
		n := min(len(d.group), maxGroup)
		batch := append([]*groupJob(nil), d.group[:n]...)
		d.group = append(d.group[:0], d.group[n:]...)
		d.gmu.Unlock()
		d.commitGroup(batch)
	}
}

// commitGroup runs batch in one transaction and answers every job. The
// caller holds wlock.
func (d *DB) commitGroup(batch []*groupJob) {
	if h := d.onGroup; h != nil {
		h(len(batch))
	}
	if len(batch) == 1 {
		j := batch[0]
		j.done <- d.writeLocked(j.ctx, j.what, j.fn)
		return
	}
	fail := func(j *groupJob, err error) error {
		return fmt.Errorf("storage: unable to %s: %w", j.what, explain(err))
	}
	d.enqueued = false
	// The transaction belongs to the group: one caller giving up must not
	// roll back the others' writes.
	tx, err := d.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range batch {
			j.done <- fail(j, err)
		}
		return
	}
	results := make([]error, len(batch))
	failed := false
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = fail(j, err)
			continue
		}
		if err := j.fn(tx); err != nil {
			failed = true
			break
		}
	}
	if failed {
		// A write failed part way (a resent rating, a broken statement):
		// what it wrote before failing is in the transaction with the
		// others'. Undo the group and run each write alone.
		tx.Rollback()
		for _, j := range batch {
			j.done <- d.writeLocked(j.ctx, j.what, j.fn)
		}
		return
	}
	if err := tx.Commit(); err != nil {
		for i, j := range batch {
			if results[i] == nil {
				results[i] = fail(j, err)
			}
		}
	} else if f := d.onOutbox.Load(); f != nil && d.enqueued {
		(*f)()
	}
	for i, j := range batch {
		j.done <- results[i]
	}
}
