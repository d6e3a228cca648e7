package app

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// PinyinInitials is the lower-case pinyin initials of name (户籍迁移 →
// "hjqy"), letters and digits kept as they are: what a clerk types to find
// an item whose catalogue entry carries no pinyin of its own. Polyphonic
// characters take their most common reading.
func PinyinInitials(name string) string {
	a := pinyin.NewArgs()
	a.Style = pinyin.FirstLetter
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Han, r):
			if p := pinyin.SinglePinyin(r, a); len(p) > 0 && p[0] != "" {
				b.WriteString(p[0][:1])
			}
		}
	}
	return b.String()
}
