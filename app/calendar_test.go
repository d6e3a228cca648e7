package app

import (
	"testing"
	"time"
)

// The 2026 dates below are the State Council's notice (国办发明电〔2025〕号 for 2026)
// as carried by lunar-go: 元旦 1–3 Jan with Sunday 4 Jan worked; 春节 15–23 Feb
// with Saturdays 14 and 28 Feb worked; 国庆/中秋 with Sunday 20 Sep and Saturday 10 Oct worked.
func TestIsWorkdayOfficialCalendar(t *testing.T) {
	cal := NewCalendar()
	cases := []struct {
		day  time.Time
		want bool
		why  string
	}{
		{Date(2026, 1, 1), false, "元旦, a Thursday"},
		{Date(2026, 1, 4), true, "Sunday worked for 元旦 (调休)"},
		{Date(2026, 1, 5), true, "ordinary Monday"},
		{Date(2026, 1, 10), false, "ordinary Saturday"},
		{Date(2026, 2, 14), true, "Saturday worked before 春节"},
		{Date(2026, 2, 16), false, "春节 Monday"},
		{Date(2026, 2, 23), false, "last day of 春节"},
		{Date(2026, 2, 24), true, "first working day after 春节"},
		{Date(2026, 2, 28), true, "Saturday worked after 春节"},
		{Date(2026, 10, 1), false, "国庆"},
		{Date(2026, 10, 10), true, "Saturday worked after 国庆"},
	}
	for _, c := range cases {
		if got := cal.IsWorkday(c.day); got != c.want {
			t.Errorf("%s (%s): IsWorkday = %v, want %v", c.day.Format("2006-01-02 Mon"), c.why, got, c.want)
		}
	}
}

func TestAddWorkdaysCrossesHolidaysAndMakeUpDays(t *testing.T) {
	cal := NewCalendar()
	cases := []struct {
		from time.Time
		n    int
		want string
	}{
		// Friday 13 Feb + 2: Sat 14 (调休, worked) is the 1st, 15–23 are 春节, Tue 24 is the 2nd.
		{Date(2026, 2, 13).Add(10 * time.Hour), 2, "2026-02-24"},
		// Thursday 31 Dec 2026 + 1: 1–3 Jan 2027 off, Mon 4 Jan.
		{Date(2026, 12, 31), 1, "2027-01-04"},
		// A plain week: Monday + 5 = next Monday.
		{Date(2026, 3, 2), 5, "2026-03-09"},
		// From a Saturday: the day itself never counts.
		{Date(2026, 3, 7), 1, "2026-03-09"},
		// SZ 28: 10 working days across 中秋/国庆 from Fri 25 Sep 2026 (a holiday itself):
		// 28–30 Sep (3), 8–9 Oct (5), Sat 10 Oct worked (6), 12–15 Oct (10).
		{Date(2026, 9, 25), 10, "2026-10-15"},
	}
	for _, c := range cases {
		got := cal.AddWorkdays(c.from, c.n)
		if got.Format("2006-01-02") != c.want || got.Hour() != 23 {
			t.Errorf("AddWorkdays(%s, %d) = %s, want end of %s", c.from.Format("2006-01-02"), c.n, got, c.want)
		}
	}
}

func TestDeadlineUnits(t *testing.T) {
	cal := NewCalendar()
	at := time.Date(2026, 4, 30, 16, 20, 0, 0, ChinaTime) // Thursday before 劳动节 (1–5 May)
	if got := cal.Deadline(at, Span{24, UnitHours}); !got.Equal(at.Add(24 * time.Hour)) {
		t.Errorf("24h: %s", got)
	}
	// SZ 15: 7 natural days, to the end of the 7th day.
	if got := cal.Deadline(at, Span{7, UnitDays}); got.Format("2006-01-02 15:04") != "2026-05-07 23:59" {
		t.Errorf("7d: %s", got)
	}
	// TA 二.4: 1 working day after 30 April: 1–5 May are off, Sat 9 May is worked (调休)... the
	// first working day after the holiday is Wed 6 May.
	if got := cal.Deadline(at, Span{1, UnitWorkingDays}); got.Format("2006-01-02") != "2026-05-06" {
		t.Errorf("1wd: %s", got)
	}
}

func TestCalendarOverrides(t *testing.T) {
	cal := NewCalendar()
	// A county adds a local day off and a make-up Saturday the library does not know.
	err := cal.ParseOverrides(`
[[day]]
date = "2026-03-03"
work = false
name = "县庆"

[[day]]
date = "2026-03-07"
work = true
name = "调休上班"
`)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(Date(2026, 3, 3)) || !cal.IsWorkday(Date(2026, 3, 7)) {
		t.Fatal("overrides not applied")
	}
	// Mon 2 Mar + 2: Tue 3 off, Wed 4 is the 1st, Thu 5 the 2nd.
	if got := cal.AddWorkdays(Date(2026, 3, 2), 2).Format("2006-01-02"); got != "2026-03-05" {
		t.Errorf("got %s", got)
	}
	for _, bad := range []string{`[[day]]` + "\ndate = \"2026-13-01\"\nwork = true", `[[day]]` + "\ndate = \"2026-03-09\"\nwrok = true", "not toml ["} {
		before := cal.IsWorkday(Date(2026, 3, 9))
		if err := cal.ParseOverrides(bad); err == nil {
			t.Errorf("malformed override accepted: %q", bad)
		}
		if cal.IsWorkday(Date(2026, 3, 9)) != before {
			t.Errorf("malformed override changed the calendar")
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	cal := NewCalendar()
	if n := cal.WorkdaysBetween(Date(2026, 2, 13), Date(2026, 2, 24)); n != 2 {
		t.Errorf("13→24 Feb 2026: %d working days, want 2 (14th and 24th)", n)
	}
}
