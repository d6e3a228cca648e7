package outbox

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The backoff doubles per failure up to its cap, and its random half keeps
// every wait within [d/2, d].
func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 30 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 40: 30 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := b.After(n)
			if d < want/2 || d > want {
				t.Fatalf("After(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("After(%d) is always %v: no jitter", n, b.After(n))
		}
	}
}

// A failed drain is retried after Retry (capped at the interval), the
// failures counted in a row; a kick drains at once; the loop ends with ctx.
func TestLoopRetriesAndKicks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan int, 10)
	n := 0
	var retried []int
	var waits []time.Duration
	l := Loop{
		Kick:     NewKicker(),
		Interval: time.Hour, // only a retry or a kick can bring the next drain
		Retry: func(failures int) time.Duration {
			retried = append(retried, failures)
			if failures == 2 {
				return 2 * time.Hour // capped at the interval
			}
			return time.Millisecond
		},
		Drain: func(context.Context) error {
			n++
			calls <- n
			if n <= 2 {
				return errors.New("hub down")
			}
			return nil
		},
		Failed: func(_ error, in time.Duration) { waits = append(waits, in) },
	}
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	<-calls // at once
	<-calls // after the first failure's millisecond
	// The second failure waits the interval (an hour): only a kick brings
	// the third drain.
	l.Kick.Kick()
	if got := <-calls; got != 3 {
		t.Fatalf("drain %d after the kick, want 3", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if len(retried) != 2 || retried[0] != 1 || retried[1] != 2 {
		t.Errorf("Retry asked after failures %v, want [1 2]", retried)
	}
	if len(waits) != 2 || waits[0] != time.Millisecond || waits[1] != time.Hour {
		t.Errorf("Failed heard waits %v, want [1ms 1h]", waits)
	}
}

// Kicks while one is pending merge into one drain, and Kick never blocks.
func TestKickerMerges(t *testing.T) {
	k := NewKicker()
	for range 5 {
		k.Kick()
	}
	if len(k) != 1 {
		t.Fatalf("%d kicks pending, want 1", len(k))
	}
}
