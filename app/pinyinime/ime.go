// Package pinyinime is a small pinyin input method for the fields where a
// clerk types Chinese: applicants' and agents' names above all, and notes.
// It needs no system IME (a counter PC may have none, and a general IME
// proposes 往 before the surname 王): the clerk types full pinyin or initials
// ("wangxiuying", "wxy") and picks a candidate; names are proposed with
// common surnames (and 复姓) first for the first character, then the
// characters most used in given names, then GB 2312 level 1.
package pinyinime

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Mode says what is typed: names or running text.
type Mode int

// Modes.
const (
	Names Mode = iota
	Text
)

// Candidate is one choice: its text and how many of the input's syllables
// (or initials) it uses.
type Candidate struct {
	Text     string
	Consumes int
}

type index struct {
	syllables map[string]bool     // every toneless reading
	bySyll    map[string][]rune   // reading → characters, GB 2312 order
	primary   map[rune]string     // the reading used for ranking
	gbOrder   map[rune]int        // position in GB 2312 level 1
	readings  map[rune][]string   // all readings
	compounds map[string][]string // compound surname → its readings' spellings
}

var (
	once sync.Once
	idx  *index
)

// load builds the index from go-pinyin and GB 2312 on first use (a few ms).
func load() *index {
	once.Do(func() {
		x := &index{syllables: map[string]bool{}, bySyll: map[string][]rune{}, primary: map[rune]string{},
			gbOrder: map[rune]int{}, readings: map[rune][]string{}, compounds: map[string][]string{}}
		a := pinyin.NewArgs()
		a.Heteronym = true
		add := func(r rune) {
			if _, ok := x.readings[r]; ok {
				return
			}
			ps := pinyin.SinglePinyin(r, a)
			if len(ps) == 0 {
				return
			}
			x.readings[r] = ps
			x.primary[r] = ps[0]
			if s, ok := surnameReadings[r]; ok {
				x.primary[r] = s
			}
			for _, p := range ps {
				x.syllables[p] = true
				x.bySyll[p] = append(x.bySyll[p], r)
			}
		}
		dec := simplifiedchinese.GBK.NewDecoder()
		n := 0
		for hi := 0xB0; hi <= 0xD7; hi++ { // GB 2312 level 1: rows 16–55
			for lo := 0xA1; lo <= 0xFE; lo++ {
				if hi == 0xD7 && lo > 0xF9 {
					break
				}
				s, err := dec.Bytes([]byte{byte(hi), byte(lo)})
				if err != nil {
					continue
				}
				for _, r := range string(s) {
					if unicode.Is(unicode.Han, r) {
						x.gbOrder[r] = n
						n++
						add(r)
					}
				}
			}
		}
		for _, list := range [][]rune{Surnames, NameChars, CommonChars} {
			for _, r := range list {
				add(r)
			}
		}
		for _, c := range Compound {
			if s, ok := compoundReadings[c]; ok {
				x.compounds[c] = []string{s}
				continue
			}
			rs := []rune(c)
			for _, p := range x.readings[rs[1]] {
				x.compounds[c] = append(x.compounds[c], x.primary[rs[0]]+" "+p)
			}
		}
		idx = x
	})
	return idx
}

// token is one piece of the input: a whole syllable or the start of one
// (an initial).
type token struct {
	s    string
	full bool
}

// Segment splits lower-case letters into the fewest pieces, each a syllable
// or the start of one, preferring whole syllables ("wangxiuying" → wang xiu
// ying, "wxy" → w x y, "xian" → xian). false if some letter cannot start any.
func Segment(in string) ([]string, bool) {
	ts, ok := segment(load(), in)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.s
	}
	return out, ok
}

func segment(x *index, in string) ([]token, bool) {
	n := len(in)
	type best struct {
		pieces, partial int
		prev            int
		full            bool
		ok              bool
	}
	dp := make([]best, n+1)
	dp[0] = best{ok: true}
	for i := 0; i < n; i++ {
		if !dp[i].ok {
			continue
		}
		for j := i + 1; j <= n && j-i <= 6; j++ {
			s := in[i:j]
			// One letter is an initial even where it is a syllable too (a, e,
			// o): "oy" means 欧阳, not 哦.
			full := x.syllables[s] && len(s) > 1
			if !full && !x.isPrefix(s) {
				continue
			}
			c := best{pieces: dp[i].pieces + 1, partial: dp[i].partial, prev: i, full: full, ok: true}
			if !full {
				c.partial++
			}
			if d := dp[j]; !d.ok || c.pieces < d.pieces || (c.pieces == d.pieces && c.partial < d.partial) {
				dp[j] = c
			}
		}
	}
	if !dp[n].ok {
		return nil, false
	}
	var out []token
	for j := n; j > 0; j = dp[j].prev {
		out = append(out, token{s: in[dp[j].prev:j], full: dp[j].full})
	}
	slices.Reverse(out)
	return out, true
}

func (x *index) isPrefix(s string) bool {
	for p := range x.syllables {
		if strings.HasPrefix(p, s) {
			return true
		}
	}
	return false
}

// matches: the characters a piece may stand for.
func (x *index) matches(t token) []rune {
	if t.full {
		return x.bySyll[t.s]
	}
	var out []rune
	seen := map[rune]bool{}
	for p, rs := range x.bySyll {
		if strings.HasPrefix(p, t.s) {
			for _, r := range rs {
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// rank orders the characters for a piece at position pos of a name (0 =
// the surname) or of text.
func (x *index) rank(t token, rs []rune, mode Mode, pos int) []rune {
	primaryFits := func(r rune) bool {
		p := x.primary[r]
		if t.full {
			return p == t.s
		}
		return strings.HasPrefix(p, t.s)
	}
	type scored struct {
		r     rune
		group int
		at    int
	}
	var ss []scored
	for _, r := range rs {
		s := scored{r: r, group: 9, at: x.gbOrderOf(r)}
		lists := [][]rune{NameChars}
		if mode == Names && pos == 0 {
			lists = [][]rune{Surnames, NameChars}
		} else if mode == Text {
			lists = [][]rune{CommonChars}
		}
		if primaryFits(r) {
			for g, l := range lists {
				if i := slices.Index(l, r); i >= 0 {
					s.group, s.at = g, i
					break
				}
			}
			if s.group == 9 {
				s.group = 5
			}
		}
		ss = append(ss, s)
	}
	slices.SortStableFunc(ss, func(a, b scored) int {
		if a.group != b.group {
			return a.group - b.group
		}
		return a.at - b.at
	})
	out := make([]rune, len(ss))
	for i, s := range ss {
		out[i] = s.r
	}
	return out
}

func (x *index) gbOrderOf(r rune) int {
	if i, ok := x.gbOrder[r]; ok {
		return i
	}
	return 1 << 20
}

// compoundFits reports whether a compound surname's spelling fits the first
// two pieces.
func (x *index) compoundFits(c string, a, b token) bool {
	for _, sp := range x.compounds[c] {
		first, second, ok := strings.Cut(sp, " ")
		if !ok { // a spelling without a break: try every split
			for k := 1; k < len(sp); k++ {
				if fits(sp[:k], a) && fits(sp[k:], b) {
					return true
				}
			}
			continue
		}
		if fits(first, a) && fits(second, b) {
			return true
		}
	}
	return false
}

func fits(syll string, t token) bool {
	if t.full {
		return syll == t.s
	}
	return strings.HasPrefix(syll, t.s)
}

// Candidates proposes up to limit choices for the letters typed (lower
// case a–z), pos being how many characters the field already holds before
// the cursor (0: the next one is a surname). The first candidate, when the
// input has several pieces, is the whole of it; then 复姓 that fit, then
// characters for the first piece.
func Candidates(in string, mode Mode, pos, limit int) []Candidate {
	x := load()
	in = strings.ToLower(in)
	ts, ok := segment(x, in)
	if !ok || len(ts) == 0 {
		return nil
	}
	var out []Candidate
	seen := map[string]bool{}
	push := func(c Candidate) {
		if c.Text != "" && !seen[c.Text] && len(out) < limit {
			seen[c.Text] = true
			out = append(out, c)
		}
	}
	// 复姓 for the first two pieces of a name.
	var compounds []string
	if mode == Names && pos == 0 && len(ts) >= 2 {
		for _, c := range Compound {
			if x.compoundFits(c, ts[0], ts[1]) {
				compounds = append(compounds, c)
			}
		}
	}
	firstChars := x.rank(ts[0], x.matches(ts[0]), mode, pos)
	if len(ts) > 1 {
		// The whole input: a compound surname if one fits the start of a name
		// (with a full first syllable or when nothing else is likely), else
		// the best character for each piece.
		var b strings.Builder
		start := 0
		if len(compounds) > 0 && (ts[0].full || !startsWithSurname(firstChars)) {
			b.WriteString(compounds[0])
			start = 2
		}
		for i := start; i < len(ts); i++ {
			rs := x.rank(ts[i], x.matches(ts[i]), mode, pos+len([]rune(b.String())))
			if len(rs) == 0 {
				b.Reset()
				break
			}
			b.WriteRune(rs[0])
		}
		push(Candidate{Text: b.String(), Consumes: len(ts)})
	}
	for _, c := range compounds {
		push(Candidate{Text: c, Consumes: 2})
	}
	for _, r := range firstChars {
		push(Candidate{Text: string(r), Consumes: 1})
	}
	return out
}

// startsWithSurname: the best first character is a common surname.
func startsWithSurname(rs []rune) bool {
	return len(rs) > 0 && slices.Contains(Surnames, rs[0])
}

// Rest is what remains of the input after choosing c: the pieces it did
// not use, joined again.
func Rest(in string, c Candidate) string {
	ts, ok := segment(load(), strings.ToLower(in))
	if !ok || c.Consumes >= len(ts) {
		return ""
	}
	var b strings.Builder
	for _, t := range ts[c.Consumes:] {
		b.WriteString(t.s)
	}
	return b.String()
}
