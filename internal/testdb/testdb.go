// Package testdb gives each test its own copy of a database that is built
// once per test binary. A demo centre takes seconds to generate, and
// minutes under the race detector, while many tests only need to read or
// change one of their own: they now share the generation and not the file.
package testdb

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Templates are the databases built so far, each under a key that names
// how it was built. The zero value is ready to use; call Main from the
// package's TestMain so the templates are removed at the end.
type Templates[T any] struct {
	mu    sync.Mutex
	dir   string
	built map[string]*template[T]
}

type template[T any] struct {
	once sync.Once
	path string
	val  T
	err  error
}

// Copy puts at dst a copy of the database that build makes for key, built
// at the first call for key (build writes the database at the path it is
// given and closes it). Every caller gets build's value: read it, do not
// change it.
func (ts *Templates[T]) Copy(t testing.TB, key, dst string, build func(path string) (T, error)) T {
	t.Helper()
	ts.mu.Lock()
	if ts.built == nil {
		ts.built = map[string]*template[T]{}
	}
	tp := ts.built[key]
	if tp == nil {
		tp = &template[T]{}
		ts.built[key] = tp
	}
	if ts.dir == "" {
		d, err := os.MkdirTemp("", "bianmin-testdb-")
		if err != nil {
			ts.mu.Unlock()
			t.Fatal(err)
		}
		ts.dir = d
	}
	dir := ts.dir
	ts.mu.Unlock()

	tp.once.Do(func() {
		tp.path = filepath.Join(dir, fmt.Sprintf("t%p.db", tp))
		tp.val, tp.err = build(tp.path)
	})
	if tp.err != nil {
		t.Fatalf("test database %s: %v", key, tp.err)
	}
	// A closed database in WAL mode has been checkpointed into its main
	// file; a WAL left over (a build that did not close) goes along.
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(tp.path+suffix, dst+suffix); err != nil && !(suffix != "" && os.IsNotExist(err)) {
			t.Fatal(err)
		}
	}
	return tp.val
}

// Main runs the package's tests and then removes the templates.
func (ts *Templates[T]) Main(m *testing.M) int {
	code := m.Run()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.dir != "" {
		os.RemoveAll(ts.dir)
	}
	return code
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
