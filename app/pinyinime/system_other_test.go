//go:build !windows

package pinyinime

import "testing"

func TestSystemIMEFromEnvironment(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if systemIME(env(nil)) {
		t.Error("no variables: an IME")
	}
	if !systemIME(env(map[string]string{"XMODIFIERS": "@im=fcitx"})) || !systemIME(env(map[string]string{"GTK_IM_MODULE": "ibus"})) {
		t.Error("fcitx / ibus not seen")
	}
	if systemIME(env(map[string]string{"XMODIFIERS": "@im=none"})) {
		t.Error("@im=none is an IME")
	}
}
