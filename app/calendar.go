package app

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/BurntSushi/toml"
)

// Calendar knows which days are working days: Monday to Friday, minus the
// official holidays, plus the make-up working weekends (调休). The dates come
// from github.com/6tail/lunar-go, which tracks the State Council's notices; an
// override file can add or correct days (next year's dates are published late
// in the year before, often before the library knows them).
type Calendar struct {
	mu        sync.RWMutex
	overrides map[string]CalendarDay
}

// CalendarDay is one override: a date that is (or is not) a working day.
type CalendarDay struct {
	Date string `toml:"date"` // YYYY-MM-DD
	Work bool   `toml:"work"` // true: a working day (调休上班); false: a day off
	Name string `toml:"name"` // e.g. 春节
}

// NewCalendar returns the library's official calendar with no overrides.
func NewCalendar() *Calendar { return &Calendar{overrides: map[string]CalendarDay{}} }

// LoadOverrides reads a TOML file of [[day]] tables and applies them on top of
// the official calendar. The calendar is unchanged when the file is malformed.
func (c *Calendar) LoadOverrides(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("holiday overrides: %w", err)
	}
	return c.ParseOverrides(string(data))
}

// ParseOverrides applies overrides from TOML text (see LoadOverrides).
func (c *Calendar) ParseOverrides(text string) error {
	var f struct {
		Day []CalendarDay `toml:"day"`
	}
	md, err := toml.Decode(text, &f)
	if err != nil {
		return fmt.Errorf("holiday overrides: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("holiday overrides: unknown key %s", und[0].String())
	}
	parsed := map[string]CalendarDay{}
	for i, d := range f.Day {
		if _, err := time.Parse("2006-01-02", d.Date); err != nil {
			return fmt.Errorf("holiday overrides: day %d: bad date %q (want YYYY-MM-DD)", i+1, d.Date)
		}
		parsed[d.Date] = d
	}
	c.mu.Lock()
	for k, v := range parsed {
		c.overrides[k] = v
	}
	c.mu.Unlock()
	return nil
}

// IsWorkday reports whether the calendar day of t is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	day := t.Format("2006-01-02")
	c.mu.RLock()
	o, ok := c.overrides[day]
	c.mu.RUnlock()
	if ok {
		return o.Work
	}
	if h := HolidayUtil.GetHoliday(day); h != nil {
		return h.IsWork()
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// endOfDay is the last second of t's calendar day: deadlines run to the end
// of their last day.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, t.Location())
}

// AddWorkdays returns the end of the n-th working day after t's day: "within n
// working days" of an event on day D means by the end of the n-th working day
// after D (D itself does not count, whether or not it is a working day).
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	d := t
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	return endOfDay(d)
}

// WorkdaysBetween counts working days after a's day up to and including b's day.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	n := 0
	for d := a.AddDate(0, 0, 1); !endOfDay(d).After(endOfDay(b)); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// Deadline applies a profile span to t: hours are exact, natural days run to the
// end of the n-th day after t, working days as AddWorkdays.
func (c *Calendar) Deadline(t time.Time, s Span) time.Time {
	switch s.Unit {
	case UnitHours:
		return t.Add(time.Duration(s.N) * time.Hour)
	case UnitDays:
		return endOfDay(t.AddDate(0, 0, s.N))
	case UnitWorkingDays:
		return c.AddWorkdays(t, s.N)
	}
	return t
}
