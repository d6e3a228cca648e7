// Package eventually waits in tests for what another goroutine, a device
// simulator or another process does: it polls a condition until it holds or
// a deadline passes, so a test never sleeps a guessed time and hopes, and a
// slow machine only makes it wait longer, not fail.
package eventually

import (
	"testing"
	"time"
)

// Timeout is how long True waits: long enough for a loaded CI machine under
// the race detector, short enough that a hung test says what it waited for.
const Timeout = 15 * time.Second

// poll is how often the condition is asked.
const poll = 5 * time.Millisecond

// True waits until cond holds, or fails t saying what it waited for.
func True(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Within(t, Timeout, what, cond)
}

// Within is True with its own deadline.
func Within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(poll) // polling a condition, not standing in for one
	}
}
