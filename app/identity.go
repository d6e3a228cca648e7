package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
)

// GB 11643-1999 check digit weights and codes.
var (
	idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idCheck   = "10X98765432"
)

// ValidateIDNumber checks an 18-digit 居民身份证号码: digits, a real birth date
// and the GB 11643 check digit. It returns the normalised number (upper-case X).
func ValidateIDNumber(id string) (string, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if len(id) != 18 {
		return "", Refuse("bad_id", "身份证号码应为18位")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return "", Refuse("bad_id", "身份证号码前17位应为数字")
		}
		sum += int(c-'0') * idWeights[i]
	}
	if _, err := time.Parse("20060102", id[6:14]); err != nil {
		return "", Refuse("bad_id", "身份证号码中的出生日期无效")
	}
	if id[17] != idCheck[sum%11] {
		return "", Refuse("bad_id", "身份证号码校验位不正确，请核对")
	}
	return id, nil
}

// MaskID shows the first 6 and last 4 characters: 110101********1234.
func MaskID(id string) string {
	r := []rune(id)
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// HashID is a keyed hash of an ID number, so records of one person can be
// matched without storing the number itself.
func HashID(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToUpper(strings.TrimSpace(id))))
	return hex.EncodeToString(m.Sum(nil))
}

var (
	mobileRe   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlineRe = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}$`)
)

// ValidatePhone accepts a mainland mobile number or a landline with area code.
func ValidatePhone(p string) (string, error) {
	p = strings.ReplaceAll(strings.TrimSpace(p), " ", "")
	if mobileRe.MatchString(p) || landlineRe.MatchString(p) {
		return p, nil
	}
	return "", Refuse("bad_phone", "电话号码格式不正确（手机11位，或带区号的固定电话）")
}

// MaskPhone hides the middle of a phone number: 138****1234.
func MaskPhone(p string) string {
	r := []rune(p)
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 7:
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// MaskName keeps the surname: 张*, 欧阳**.
func MaskName(n string) string {
	r := []rune(strings.TrimSpace(n))
	if len(r) <= 1 {
		return string(r)
	}
	keep := 1
	if len(r) >= 4 {
		keep = 2
	}
	return string(r[:keep]) + strings.Repeat("*", len(r)-keep)
}

var areaRe = regexp.MustCompile(`^[1-8]\d{11}$`)

// ValidateAreaCode checks a 12-digit 统计用区划代码 (province digit 1–8).
func ValidateAreaCode(code string) error {
	if !areaRe.MatchString(strings.TrimSpace(code)) {
		return Refuse("bad_area", "行政区划代码应为12位数字（如 370911105000）")
	}
	return nil
}
