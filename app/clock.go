package app

import (
	"sync"
	"time"
)

// Clock is the only source of "now" for rules and deadlines, so tests can
// cross holidays and 调休 weekends without waiting for them.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the wall clock in the centre's time zone.
type SystemClock struct{ Loc *time.Location }

// Now returns the current time in the clock's zone (China Standard Time when unset).
func (c SystemClock) Now() time.Time {
	loc := c.Loc
	if loc == nil {
		loc = ChinaTime
	}
	return time.Now().In(loc)
}

// FakeClock is a settable clock for tests and the demo generator.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock starts a fake clock at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ChinaTime is UTC+8. A fixed zone, so the binary needs no tzdata on Windows.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Date builds a time at midnight of the given day in China time.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, ChinaTime)
}
