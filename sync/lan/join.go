package lan

import (
	"fmt"
	"net"
	"strings"

	"bianmin/app"
)

// JoinCode is what the manager gives a PC to join the centre, once: where the
// hub is, a one-time token, and the pin of the hub's certificate. Written
// "192.168.1.10:8787/7KQ4M2XD9FHTP3WN/ABCD…" (26-character pin).
type JoinCode struct {
	Addr  string // host:port of the hub
	Token string // one-time, 16 characters of keyAlphabet
	Pin   string
}

func (j JoinCode) String() string { return j.Addr + "/" + j.Token + "/" + j.Pin }

// URL is the hub's base URL.
func (j JoinCode) URL() string { return "https://" + j.Addr }

var errBadCode = &app.UserError{Code: "bad_join_code",
	Msg: "加入码格式不正确：应为 中心主机地址/16位加入码/26位证书指纹，例如 192.168.1.10:8787/7KQ4M2XD9FHTP3WN/…，请照中心主机上显示的重新输入"}

// ParseJoinCode reads a join code as typed or pasted: spaces and dashes
// inside the token and pin are ignored, letters may be small.
func ParseJoinCode(s string) (JoinCode, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return JoinCode{}, errBadCode
	}
	clean := func(v string) string {
		return strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(v))
	}
	j := JoinCode{Addr: strings.TrimSpace(parts[0]), Token: clean(parts[1]), Pin: clean(parts[2])}
	if host, port, err := net.SplitHostPort(j.Addr); err != nil || host == "" || port == "" {
		return JoinCode{}, fmt.Errorf("%w: address %q", errBadCode, j.Addr)
	}
	if len(j.Token) != tokenLen || strings.Trim(j.Token, keyAlphabet) != "" {
		return JoinCode{}, errBadCode
	}
	if _, err := pinEncoding.DecodeString(j.Pin); err != nil || len(j.Pin) != 26 {
		return JoinCode{}, errBadCode
	}
	return j, nil
}
