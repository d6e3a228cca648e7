package screens

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileDrafts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drafts")
	d := FileDrafts{Dir: dir}
	if b, err := d.Load("counter-window-1"); b != nil || err != nil {
		t.Fatalf("no draft yet: %q %v", b, err)
	}
	for _, s := range []string{`{"name":"王"}`, `{"name":"王秀英"}`} {
		if err := d.Save("counter-window-1", []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := d.Load("counter-window-1")
	if err != nil || string(b) != `{"name":"王秀英"}` {
		t.Fatalf("loaded %q %v", b, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "counter-window-1.draft.json" {
		t.Fatalf("files left: %v %v", entries, err)
	}
	if fi, _ := entries[0].Info(); fi.Mode().Perm() != 0o600 {
		t.Errorf("a draft holds personal data; mode %v", fi.Mode().Perm())
	}
	for _, k := range []string{"", "../x", `a\b`, ".hidden"} {
		if err := d.Save(k, nil); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}
