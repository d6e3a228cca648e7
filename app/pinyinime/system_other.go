//go:build !windows

package pinyinime

import (
	"os"
	"strings"
)

// SystemIME reports whether the desktop session has an input method for
// Chinese: on X11 an XIM server named in XMODIFIERS (fcitx, ibus), or a
// toolkit IM module. Without one the counter starts with the built-in input.
func SystemIME() bool { return systemIME(os.Getenv) }

func systemIME(env func(string) string) bool {
	if m := env("XMODIFIERS"); strings.Contains(m, "@im=") && !strings.Contains(m, "@im=none") {
		return true
	}
	for _, v := range []string{"GTK_IM_MODULE", "QT_IM_MODULE"} {
		switch strings.ToLower(env(v)) {
		case "fcitx", "fcitx5", "ibus", "xim", "scim", "uim":
			return true
		}
	}
	return false
}
