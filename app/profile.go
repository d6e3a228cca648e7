package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"bianmin/assets"
)

// SpanUnit is the unit of a profile time limit.
type SpanUnit string

// Units: hours, natural days, working days.
const (
	UnitHours       SpanUnit = "h"
	UnitDays        SpanUnit = "d"
	UnitWorkingDays SpanUnit = "wd"
)

// Span is a time limit from a profile, written "24h", "7d" or "5wd".
// The zero Span means "no such limit".
type Span struct {
	N    int
	Unit SpanUnit
}

// IsZero reports whether the span is unset.
func (s Span) IsZero() bool { return s.N == 0 }

// String renders the span in profile syntax.
func (s Span) String() string {
	if s.IsZero() {
		return ""
	}
	return strconv.Itoa(s.N) + string(s.Unit)
}

// Chinese renders the span for people: "5个工作日".
func (s Span) Chinese() string {
	switch s.Unit {
	case UnitHours:
		return fmt.Sprintf("%d小时", s.N)
	case UnitDays:
		return fmt.Sprintf("%d个自然日", s.N)
	case UnitWorkingDays:
		return fmt.Sprintf("%d个工作日", s.N)
	}
	return "无"
}

// ParseSpan reads "24h", "7d", "5wd" or "" (none).
func ParseSpan(s string) (Span, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Span{}, nil
	}
	for _, u := range []SpanUnit{UnitWorkingDays, UnitHours, UnitDays} {
		if strings.HasSuffix(s, string(u)) {
			n, err := strconv.Atoi(strings.TrimSuffix(s, string(u)))
			if err != nil || n < 0 || n > 3650 {
				break
			}
			return Span{N: n, Unit: u}, nil
		}
	}
	return Span{}, fmt.Errorf("bad time limit %q: want a number followed by h, d or wd (e.g. 24h, 7d, 5wd)", s)
}

// UnmarshalText lets TOML strings decode into a Span.
func (s *Span) UnmarshalText(b []byte) error {
	v, err := ParseSpan(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText writes the profile syntax.
func (s Span) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LevelDef is one level of a profile's scale.
type LevelDef struct {
	Level Level  `toml:"level"`
	Name  string `toml:"name"`
	Score int    `toml:"score"` // SZ art. 7 score (10/8/6/3/0)
	Good  bool   `toml:"good"`  // counts as 好评; false = 差评
}

// RatingRules are the time limits of rating (DOMAIN.md "Time limits").
type RatingRules struct {
	Window       Span   `toml:"window"`        // rating window after completion
	AfterWindow  string `toml:"after_window"`  // "unrated" or "default"
	DefaultLevel Level  `toml:"default_level"` // level recorded after the window when AfterWindow = "default"
	Reminder     Span   `toml:"reminder"`      // remind if not rated after this
	FollowUp     Span   `toml:"followup"`      // follow-up window after the rating; zero = none
	BadNeedsWhy  bool   `toml:"bad_needs_reason"`
}

// Deadlines of the bad-review loop, all measured from the work order's creation
// except Callback (from rectification) and AppealReview (from the appeal).
type Deadlines struct {
	ContactStaff  Span `toml:"contact_staff"`
	ContactItem   Span `toml:"contact_item"`
	ContactSystem Span `toml:"contact_system"`
	Finish        Span `toml:"finish"`
	Callback      Span `toml:"callback"`
	Appeal        Span `toml:"appeal"`
	AppealReview  Span `toml:"appeal_review"`
	// AppealFrom is where the appeal limit starts: "notified" (SZ 25: 被评
	// 价人可在收到通知3个工作日内申诉, from the recorded notification of the
	// clerk) or "" (the order's creation).
	AppealFrom string `toml:"appeal_from"`
	// Sources say where each limit comes from, in Chinese, shown beside the
	// limit in the ledger and on the work order (a county file gives its own).
	Sources DeadlineSources `toml:"sources"`
}

// DeadlineSources are the rules behind the deadlines, one per limit.
type DeadlineSources struct {
	ContactStaff  string `toml:"contact_staff"`
	ContactItem   string `toml:"contact_item"`
	ContactSystem string `toml:"contact_system"`
	Finish        string `toml:"finish"`
	Callback      string `toml:"callback"`
	Appeal        string `toml:"appeal"`
	AppealReview  string `toml:"appeal_review"`
}

// Tags are the tag sets offered after choosing a level.
type Tags struct {
	Good []string `toml:"good"`
	Bad  []string `toml:"bad"`
}

// Profile is a policy profile: every rule that differs between documents.
type Profile struct {
	Name      string      `toml:"name"`
	Title     string      `toml:"title"`
	Source    string      `toml:"source"`
	Rating    RatingRules `toml:"rating"`
	Levels    []LevelDef  `toml:"levels"`
	Tags      Tags        `toml:"tags"`
	Deadlines Deadlines   `toml:"deadlines"`
	// CallbackSatisfied lists the call-back answers that count as 满意 for
	// 差评回访整改满意率 (GB39735 A.1 4.3).
	CallbackSatisfied []CallbackResult `toml:"callback_satisfied"`
}

// ErrUnknownProfile is returned for a profile name that is not built in.
var ErrUnknownProfile = errors.New("unknown policy profile")

// BuiltinProfiles lists the names of the profiles shipped in assets/profiles.
func BuiltinProfiles() []string {
	entries, _ := fs.ReadDir(assets.Profiles, "profiles")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// LoadProfile loads a built-in profile by name and applies an optional county
// override file on top of it (any key it sets wins). The result is validated.
func LoadProfile(name, overridePath string) (*Profile, error) {
	data, err := fs.ReadFile(assets.Profiles, "profiles/"+name+".toml")
	if err != nil {
		return nil, fmt.Errorf("%w %q (built in: %s)", ErrUnknownProfile, name, strings.Join(BuiltinProfiles(), ", "))
	}
	p := &Profile{}
	if err := decodeStrict(string(data), p); err != nil {
		return nil, fmt.Errorf("built-in profile %s: %w", name, err)
	}
	if overridePath != "" {
		od, err := os.ReadFile(overridePath)
		if err != nil {
			return nil, fmt.Errorf("profile override: %w", err)
		}
		if err := decodeStrict(string(od), p); err != nil {
			return nil, fmt.Errorf("profile override %s: %w", overridePath, err)
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeStrict decodes TOML onto p, refusing keys the profile does not know,
// so a typo in a county file is an error rather than a silently ignored rule.
func decodeStrict(text string, p *Profile) error {
	md, err := toml.Decode(text, p)
	if err != nil {
		return err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("unknown keys: %s", strings.Join(keys, ", "))
	}
	return nil
}

// Validate checks that the profile is complete and consistent.
func (p *Profile) Validate() error {
	var errs []string
	if p.Name == "" {
		errs = append(errs, "name is empty")
	}
	if p.Rating.Window.IsZero() {
		errs = append(errs, "rating.window is not set")
	}
	switch p.Rating.AfterWindow {
	case "unrated":
	case "default":
		if !p.Rating.DefaultLevel.Valid() {
			errs = append(errs, "rating.default_level must be 1..5 when after_window = \"default\"")
		}
	default:
		errs = append(errs, fmt.Sprintf("rating.after_window must be \"unrated\" or \"default\", not %q", p.Rating.AfterWindow))
	}
	seen := map[Level]bool{}
	for _, l := range p.Levels {
		if !l.Level.Valid() {
			errs = append(errs, fmt.Sprintf("levels: level %d is not 1..5", l.Level))
		}
		if seen[l.Level] {
			errs = append(errs, fmt.Sprintf("levels: level %d defined twice", l.Level))
		}
		seen[l.Level] = true
	}
	if len(seen) != 5 {
		errs = append(errs, "levels: all five levels 1..5 must be defined")
	}
	d := p.Deadlines
	for name, s := range map[string]Span{"contact_staff": d.ContactStaff, "contact_item": d.ContactItem,
		"contact_system": d.ContactSystem, "finish": d.Finish, "callback": d.Callback,
		"appeal": d.Appeal, "appeal_review": d.AppealReview} {
		if s.IsZero() {
			errs = append(errs, "deadlines."+name+" is not set")
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("profile %q is invalid: %s", p.Name, strings.Join(errs, "; "))
	}
	return nil
}

// Def returns the definition of level l (zero LevelDef when l is not rated).
func (p *Profile) Def(l Level) LevelDef {
	for _, d := range p.Levels {
		if d.Level == l {
			return d
		}
	}
	return LevelDef{}
}

// IsBad reports whether level l is a 差评 under this profile (SZ 7: 不满意 and
// 非常不满意; TA: two stars or fewer). An unrated row is neither good nor bad.
func (p *Profile) IsBad(l Level) bool {
	return l.Valid() && !p.Def(l).Good
}

// IsGood reports whether level l is a 好评.
func (p *Profile) IsGood(l Level) bool {
	return l.Valid() && p.Def(l).Good
}

// Score is the SZ art. 7 score of level l.
func (p *Profile) Score(l Level) int { return p.Def(l).Score }

// ContactDeadline is the limit for contacting the evaluator for an order of
// category c: 2 working days for a clerk (SZ 25), 3 for an item or system (SZ 24).
func (p *Profile) ContactDeadline(c OrderCategory) Span {
	switch c {
	case CatStaff:
		return p.Deadlines.ContactStaff
	case CatSystem:
		return p.Deadlines.ContactSystem
	}
	return p.Deadlines.ContactItem
}

// CallbackCountsSatisfied reports whether a call-back answer counts as satisfied.
func (p *Profile) CallbackCountsSatisfied(r CallbackResult) bool {
	for _, s := range p.CallbackSatisfied {
		if s == r {
			return true
		}
	}
	return false
}

// CiteSZ names an article of the Shenzhen measures (深圳市政务服务“好差评”
// 实施办法) as the rule a figure or list follows: plainly for a centre on
// the Shenzhen profile, as borrowed for the others, whose own rules (the
// national standard, Tai'an) do not define it.
func CiteSZ(profile, article string) string {
	if profile == "shenzhen" {
		return "深圳办法" + article
	}
	return "参照深圳办法" + article + "，本中心规则未作规定"
}

// DueRule says what a deadline of an order of category c is and where it
// comes from, for the ledger and the work order: "2个工作日（深圳办法第二十五条）".
func (p *Profile) DueRule(k DueKind, c OrderCategory) string {
	d, src := p.Deadlines, p.Deadlines.Sources
	var span Span
	var from string
	switch k {
	case DueContact:
		span = p.ContactDeadline(c)
		switch c {
		case CatStaff:
			from = src.ContactStaff
		case CatSystem:
			from = src.ContactSystem
		default:
			from = src.ContactItem
		}
	case DueFinish:
		span, from = d.Finish, src.Finish
	case DueCallback:
		span, from = d.Callback, src.Callback
	case DueAppealReview:
		span, from = d.AppealReview, src.AppealReview
	default:
		return ""
	}
	return withSource(span.Chinese(), from)
}

// AppealRule says how long the clerk has to appeal, from when, and where the
// rule comes from.
func (p *Profile) AppealRule() string {
	start := "工单生成后"
	if p.Deadlines.AppealFrom == "notified" {
		start = "收到通知后"
	}
	return withSource(start+p.Deadlines.Appeal.Chinese()+"内", p.Deadlines.Sources.Appeal)
}

func withSource(rule, source string) string {
	if source == "" {
		return rule + "（" + noSource + "）"
	}
	return rule + "（" + source + "）"
}

// noSource is said of a limit whose profile gives no source (a county file without one).
const noSource = "本中心规则"
