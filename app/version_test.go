package app

import (
	"os"
	"regexp"
	"testing"
)

// The release artefacts take their version from FyneApp.toml (make windows,
// make deb); the program reports Version: they must be the same.
func TestVersionMatchesFyneApp(t *testing.T) {
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil || string(m[1]) != Version {
		t.Fatalf("FyneApp.toml version %q, app.Version %q", m, Version)
	}
}
