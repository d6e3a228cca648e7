// Package locale gives Fyne a locale it can parse on machines whose locale
// is C or POSIX (C.UTF-8 is the default of many servers, containers and
// minimal UOS/Kylin installs): Fyne reads LC_ALL, LC_MESSAGES or LANG and
// prints "Fyne error: Error parsing user locale C" on every run, CLI
// included. Imported for its side effect by main and cli.
//
// It must run before Fyne looks at the environment: package init order
// takes ready packages in import-path order, and this one imports only the
// standard library and sorts before fyne.io/…, so its init runs first.
package locale

import (
	"os"
	"strings"
)

// Fallback is the locale used instead of C: every user of bianmin reads Chinese.
const Fallback = "zh_CN.UTF-8"

func init() { Fix() }

// Fix replaces a C or POSIX locale in the variable that decides it (the
// first set of LC_ALL, LC_MESSAGES, LANG, as Fyne's go-locale reads them)
// with Fallback, and returns the variable it changed ("" when none).
func Fix() string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if IsC(v) {
			os.Setenv(name, Fallback)
			return name
		}
		return ""
	}
	os.Setenv("LANG", Fallback)
	return "LANG"
}

// IsC reports the locales that carry no language: C, POSIX, C.UTF-8, C.utf8.
func IsC(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	return base == "C" || base == "POSIX"
}
