package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuiltinProfilesCarryTheirDocumentsRules(t *testing.T) {
	if got := strings.Join(BuiltinProfiles(), ","); got != "national,shenzhen,taian" {
		t.Fatalf("built-in profiles: %s", got)
	}
	cases := []struct {
		name             string
		window, reminder string
		after            string
		def              Level
		followup         string
	}{
		{"national", "5wd", "24h", "unrated", 0, ""},               // GB39734 7.2.1, 7.2.2
		{"shenzhen", "7d", "24h", "default", LevelVeryGood, "60d"}, // SZ 15, 16
		{"taian", "5wd", "1wd", "default", LevelGood, ""},          // TA 二.4
	}
	for _, c := range cases {
		p := mustProfile(t, c.name)
		r := p.Rating
		if r.Window.String() != c.window || r.Reminder.String() != c.reminder || r.AfterWindow != c.after ||
			r.DefaultLevel != c.def || r.FollowUp.String() != c.followup {
			t.Errorf("%s: rating rules %+v", c.name, r)
		}
		// SZ 7 / TA: 不满意 and 非常不满意 are bad; scores 10/8/6/3/0.
		for l, want := range map[Level]int{5: 10, 4: 8, 3: 6, 2: 3, 1: 0} {
			if p.Score(l) != want {
				t.Errorf("%s: score of %s = %d", c.name, l.Name(), p.Score(l))
			}
		}
		if !p.IsBad(LevelBad) || !p.IsBad(LevelVeryBad) || p.IsBad(LevelBasic) || p.IsGood(LevelNone) || p.IsBad(LevelNone) {
			t.Errorf("%s: good/bad split wrong", c.name)
		}
		if p.ContactDeadline(CatStaff).String() != "2wd" || p.ContactDeadline(CatItem).String() != "3wd" ||
			p.Deadlines.Finish.String() != "10wd" || p.Deadlines.Callback.String() != "5wd" {
			t.Errorf("%s: deadlines %+v", c.name, p.Deadlines)
		}
	}
}

func TestUnknownProfile(t *testing.T) {
	_, err := LoadProfile("beijing", "")
	if !errors.Is(err, ErrUnknownProfile) || !strings.Contains(err.Error(), "national") {
		t.Fatalf("err = %v", err)
	}
}

func TestCountyOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("county.toml", "title = \"某县\"\n[rating]\nwindow = \"10wd\"\n[deadlines]\nfinish = \"7wd\"\n")
	p, err := LoadProfile("national", good)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "某县" || p.Rating.Window.String() != "10wd" || p.Deadlines.Finish.String() != "7wd" {
		t.Errorf("override not applied: %+v", p)
	}
	if p.Rating.Reminder.String() != "24h" || p.Deadlines.ContactStaff.String() != "2wd" {
		t.Errorf("override dropped values it did not set: %+v", p)
	}
	for name, text := range map[string]string{
		"typo.toml":    "[rating]\nwindwo = \"5wd\"\n",
		"span.toml":    "[rating]\nwindow = \"five days\"\n",
		"after.toml":   "[rating]\nafter_window = \"maybe\"\n",
		"syntax.toml":  "[rating\n",
		"default.toml": "[rating]\nafter_window = \"default\"\ndefault_level = 0\n",
	} {
		if _, err := LoadProfile("national", write(name, text)); err == nil {
			t.Errorf("%s: malformed override accepted", name)
		}
	}
	if _, err := LoadProfile("national", filepath.Join(dir, "missing.toml")); err == nil {
		t.Error("missing override file accepted")
	}
}

func TestParseSpan(t *testing.T) {
	for in, want := range map[string]Span{"24h": {24, UnitHours}, "7d": {7, UnitDays}, "5wd": {5, UnitWorkingDays}, "": {}} {
		got, err := ParseSpan(in)
		if err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"5", "wd", "-1d", "5w", "1.5d"} {
		if _, err := ParseSpan(bad); err == nil {
			t.Errorf("ParseSpan(%q) accepted", bad)
		}
	}
}

// Every deadline names its rule for the centre's own profile: the Shenzhen
// centre sees its own articles, the others see what is borrowed and that
// their own rules say nothing; a county file without sources says so.
func TestDeadlineRulesCiteTheProfile(t *testing.T) {
	for _, name := range BuiltinProfiles() {
		p := mustProfile(t, name)
		s := p.Deadlines.Sources
		for k, v := range map[string]string{"contact_staff": s.ContactStaff, "contact_item": s.ContactItem,
			"contact_system": s.ContactSystem, "finish": s.Finish, "callback": s.Callback, "appeal": s.Appeal,
			"appeal_review": s.AppealReview} {
			if v == "" {
				t.Errorf("%s: deadlines.sources.%s is empty", name, k)
			}
		}
		for _, k := range DueKinds() {
			for _, c := range []OrderCategory{CatStaff, CatItem, CatSystem} {
				r := p.DueRule(k, c)
				if !strings.Contains(r, "个工作日（") || strings.Contains(r, noSource) {
					t.Errorf("%s %s %s: rule %q", name, k, c, r)
				}
			}
		}
	}
	sz, nat, ta := mustProfile(t, "shenzhen"), mustProfile(t, "national"), mustProfile(t, "taian")
	for _, c := range []struct{ got, want string }{
		{sz.DueRule(DueContact, CatStaff), "2个工作日（深圳办法第二十五条）"},
		{sz.DueRule(DueContact, CatItem), "3个工作日（深圳办法第二十四条）"},
		{sz.DueRule(DueFinish, CatItem), "10个工作日（深圳办法第二十八条）"},
		{sz.AppealRule(), "收到通知后3个工作日内（深圳办法第二十五条：收到通知3个工作日内）"},
		{nat.DueRule(DueContact, CatStaff), "2个工作日（参照深圳办法第二十五条，国家标准未规定）"},
		{nat.AppealRule(), "工单生成后3个工作日内（参照深圳办法第二十五条、泰安方案三.3，国家标准未规定）"},
		{ta.DueRule(DueCallback, CatItem), "5个工作日（泰安方案三.2）"},
	} {
		if c.got != c.want {
			t.Errorf("rule %q, want %q", c.got, c.want)
		}
	}
	// Shown with the order's deadlines.
	o := WorkOrder{Category: CatStaff, CreatedAt: time.Date(2026, 11, 2, 10, 0, 0, 0, ChinaTime), ContactDue: time.Date(2026, 11, 4, 23, 59, 59, 0, ChinaTime)}
	dues := OrderDues(sz, NewCalendar(), o, nil, o.CreatedAt)
	if len(dues) != 1 || dues[0].Rule != "2个工作日（深圳办法第二十五条）" {
		t.Errorf("order dues %+v", dues)
	}
	// A county file without sources.
	p := *sz
	p.Deadlines.Sources = DeadlineSources{}
	if got := p.DueRule(DueFinish, CatItem); got != "10个工作日（本中心规则）" {
		t.Errorf("no source: %q", got)
	}
}
