package eventually

import (
	"sync/atomic"
	"testing"
	"time"
)

// True returns once another goroutine makes the condition hold.
func TestTrueWaitsForTheCondition(t *testing.T) {
	var done atomic.Bool
	go func() {
		for i := 0; i < 3; i++ {
			time.Sleep(time.Millisecond) // the other side's work
		}
		done.Store(true)
	}()
	True(t, "the worker", done.Load)
	if !done.Load() {
		t.Fatal("returned before the condition held")
	}
}

// A condition that never holds fails the test with what it waited for.
func TestWithinGivesUp(t *testing.T) {
	ft := &fakeT{TB: t}
	func() {
		defer func() { recover() }()
		Within(ft, 20*time.Millisecond, "nothing", func() bool { return false })
	}()
	if ft.msg == "" {
		t.Fatal("no failure for a condition that never held")
	}
}

// fakeT records Fatalf and stops the waiting goroutine as testing does.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = format
	panic("fatal")
}
