package screens

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Drafts keeps half-filled forms, so a clerk never loses what was typed: the
// counter saves its registration form on every change and restores it when
// it opens again (after a crash, a power cut, or a closed window).
// Load returns (nil, nil) when there is no draft under key.
type Drafts interface {
	Save(key string, data []byte) error
	Load(key string) ([]byte, error)
}

// FileDrafts keeps each draft in its own file in Dir. Save writes a temporary
// file, fsyncs it and renames it over the old draft, so a crash leaves
// either the old or the new draft, never a torn one. The files hold what the
// clerk typed (an ID number, a phone number): Dir should be the counter's
// private data folder; the files are readable by their owner only.
type FileDrafts struct{ Dir string }

var _ Drafts = FileDrafts{}

func (d FileDrafts) path(key string) (string, error) {
	if key == "" || strings.ContainsAny(key, `/\:`) || strings.HasPrefix(key, ".") {
		return "", fmt.Errorf("drafts: bad key %q", key)
	}
	return filepath.Join(d.Dir, key+".draft.json"), nil
}

// Save replaces the draft under key atomically.
func (d FileDrafts) Save(key string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return fmt.Errorf("drafts: unable to create %s: %w", d.Dir, err)
	}
	f, err := os.CreateTemp(d.Dir, key+".*.tmp")
	if err != nil {
		return fmt.Errorf("drafts: unable to create a temp file: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(fmt.Errorf("drafts: unable to chmod %s: %w", tmp, err))
	}
	if _, err := f.Write(data); err != nil {
		return fail(fmt.Errorf("drafts: unable to write %s: %w", tmp, err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("drafts: unable to sync %s: %w", tmp, err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("drafts: unable to close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("drafts: unable to rename %s: %w", tmp, err)
	}
	// The rename is durable once the directory is synced (not supported on
	// Windows, where the error is ignored).
	if dir, err := os.Open(d.Dir); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

// Load reads the draft under key; (nil, nil) when there is none.
func (d FileDrafts) Load(key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("drafts: unable to read %s: %w", p, err)
	}
	return b, nil
}
