package testdb

import (
	"os"
	"path/filepath"
	"testing"
)

var tmpls Templates[int]

func TestMain(m *testing.M) { os.Exit(tmpls.Main(m)) }

// A template is built once per key, and each caller gets a file of its own.
func TestBuiltOnceCopiedEach(t *testing.T) {
	builds := 0
	build := func(p string) (int, error) {
		builds++
		return 42, os.WriteFile(p, []byte("centre"), 0o600)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	if v := tmpls.Copy(t, "demo-14", a, build); v != 42 {
		t.Fatalf("value %d, want build's 42", v)
	}
	if err := os.WriteFile(a, []byte("changed by the first test"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpls.Copy(t, "demo-14", b, build)
	if builds != 1 {
		t.Errorf("built %d times, want once", builds)
	}
	if got, _ := os.ReadFile(b); string(got) != "centre" {
		t.Errorf("the second copy reads %q: the first test's change reached it", got)
	}
	tmpls.Copy(t, "demo-30", filepath.Join(dir, "c.db"), build)
	if builds != 2 {
		t.Errorf("another key built %d times in all, want 2", builds)
	}
}
