package voice

import (
	"strconv"
	"strings"
)

var chineseDigits = [10]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Text builds the standard call sentence, e.g. Text("A012", 3) =
// "请A零一二号，到三号窗口办理". A window number below 1 is left out
// ("请A零一二号办理").
//
// The ticket's digits are written as Chinese numerals, one per digit, because
// engines read an Arabic digit run as a cardinal number: espeak-ng's Mandarin
// says "A012" as "A 零十二" (checked with `espeak-ng -x`), and nothing
// promises that a SAPI voice reads it otherwise. One numeral per digit is
// read the same way by every engine and is how a clerk reads a ticket out: digit by digit,
// leading zeros included. "一" rather than "幺": 幺 is radio and telephone
// usage; hall queue systems say 一, which is what people here expect to hear.
//
// The window number is a count ("十二号窗口", as written on the sign), so it is
// spelled as a cardinal, again so that no engine reads 12 as "一二". The comma
// gives a short pause between the ticket and the window, which makes both
// easier to catch in a noisy hall.
func Text(number string, window int) string {
	var b strings.Builder
	b.WriteString("请")
	b.WriteString(spellTicket(number))
	b.WriteString("号")
	if window > 0 {
		b.WriteString("，到")
		b.WriteString(cardinal(window))
		b.WriteString("号窗口")
	}
	b.WriteString("办理")
	return b.String()
}

// spellTicket writes each ASCII digit as a Chinese numeral and letters in
// upper case; anything else (a Chinese prefix, say) is kept as it is. Spaces
// and dashes are dropped: they would only make an engine pause mid-number.
func spellTicket(number string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(number) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteString(chineseDigits[r-'0'])
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r == ' ' || r == '-' || r == '_':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cardinal spells 1–99 as a Chinese cardinal (二, 十, 十二, 二十, 二十一);
// larger numbers are left in Arabic digits for the engine.
func cardinal(n int) string {
	switch {
	case n < 0 || n >= 100:
		return strconv.Itoa(n)
	case n < 10:
		return chineseDigits[n]
	}
	s := ""
	if n/10 > 1 {
		s = chineseDigits[n/10]
	}
	s += "十"
	if n%10 != 0 {
		s += chineseDigits[n%10]
	}
	return s
}
