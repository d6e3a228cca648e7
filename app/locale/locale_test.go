package locale

import (
	"os"
	"testing"
)

func TestFixReplacesOnlyTheCLocale(t *testing.T) {
	for _, c := range []struct {
		env          map[string]string
		changed, val string
	}{
		{map[string]string{"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}, "LANG", Fallback},
		{map[string]string{"LC_ALL": "C", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}, "LC_ALL", Fallback},
		{map[string]string{"LC_ALL": "", "LC_MESSAGES": "POSIX", "LANG": ""}, "LC_MESSAGES", Fallback},
		{map[string]string{"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}, "", "zh_CN.UTF-8"},
		{map[string]string{"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_US.UTF-8"}, "", "en_US.UTF-8"},
		{map[string]string{"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, "LANG", Fallback},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		got := Fix()
		name := got
		if name == "" {
			name = "LANG"
		}
		if got != c.changed || os.Getenv(name) != c.val {
			t.Errorf("%v: changed %q (%s=%q), want %q = %q", c.env, got, name, os.Getenv(name), c.changed, c.val)
		}
	}
}
