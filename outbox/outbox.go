// Package outbox is what the outbox's two senders share: the counter's
// forwarder to the hub (sync/relay) and the hub's upload to the county
// (sync). Each drains its own rows its own way; both retry the same way,
// with this package's Backoff, and run the same loop: drain at once, again
// when kicked (a local write, the manager's 立即上传), every interval, and
// after a failure again as soon as the backoff allows, so the backlog goes
// as soon as the link is back.
package outbox

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the wait after failures in a row: Base·2ⁿ⁻¹ after the n-th,
// capped at Max, half of it random, so the PCs of a centre, or the centres
// of a county, do not all knock at once when the other end comes back.
type Backoff struct {
	Base, Max time.Duration
}

// After is the wait after the n-th failure in a row (n ≥ 1).
func (b Backoff) After(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + rand.N(d/2+1)
}

// Kicker asks a Loop to drain at once; a kick while one is pending is
// merged with it. The zero value is not usable: make it with NewKicker.
type Kicker chan struct{}

// NewKicker makes a Kicker.
func NewKicker() Kicker { return make(Kicker, 1) }

// Kick asks for a drain. It never blocks.
func (k Kicker) Kick() {
	select {
	case k <- struct{}{}:
	default:
	}
}

// Loop is a sender's drain loop.
type Loop struct {
	Kick     Kicker
	Interval time.Duration // between drains when nothing kicks
	// Retry is the wait after that many failed drains in a row; it is
	// capped at Interval.
	Retry func(failures int) time.Duration
	// Drain is one pass over the outbox; it logs what it sent.
	Drain func(ctx context.Context) error
	// Failed hears a failed drain and when the next one comes.
	Failed func(err error, retryIn time.Duration)
}

// Run drains until ctx ends and returns ctx's error.
func (l Loop) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-l.Kick:
		}
		next := l.Interval
		if err := l.Drain(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			next = min(l.Retry(failures), l.Interval)
			if l.Failed != nil {
				l.Failed(err, next)
			}
		} else {
			failures = 0
		}
		// Stop and drain before Reset: a kick may have won the race with a
		// timer that fired meanwhile.
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(next)
	}
}
