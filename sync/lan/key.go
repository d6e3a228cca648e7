package lan

import (
	"crypto/rand"
	"strings"

	"bianmin/app"
)

// KeySetting is the settings key under which the hub keeps the centre key.
const KeySetting = "lan.key"

// keyAlphabet has no 0/O, 1/I/L: a clerk copies the key from the hub's
// screen onto each window PC by hand.
const keyAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewKey makes a random centre key of 20 characters (about 99 bits) in
// groups of four: "7KQ4-M2XD-9FHT-P3WN-ZC8R".
func NewKey() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < 20; {
		rand.Read(buf)
		// 31 letters: reject 248..255 so every letter is equally likely.
		if int(buf[0]) >= 256/len(keyAlphabet)*len(keyAlphabet) {
			continue
		}
		if n > 0 && n%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(keyAlphabet[int(buf[0])%len(keyAlphabet)])
		n++
	}
	return b.String()
}

// CheckKey refuses a centre key that is too short to guess-proof or that
// cannot travel in an HTTP header.
func CheckKey(k string) error {
	if len(k) < 12 {
		return &app.UserError{Code: "bad_key", Msg: "中心密钥至少需要12个字符"}
	}
	for _, r := range k {
		if r <= ' ' || r > '~' {
			return &app.UserError{Code: "bad_key", Msg: "中心密钥只能包含英文字母、数字和符号（不含空格和中文）"}
		}
	}
	return nil
}
