package voice

import (
	"log/slog"
	"path/filepath"
	"testing"
)

// BenchmarkAnnounce measures what the UI thread pays per call: queueing only.
func BenchmarkAnnounce(b *testing.B) {
	missing := filepath.Join(b.TempDir(), "missing")
	a := New(Config{Engine: EngineChime, PlayerPath: missing}, slog.New(slog.DiscardHandler))
	defer a.Close()
	text := Text("A012", 3)
	b.ReportAllocs()
	for b.Loop() {
		a.Announce(text)
	}
}

func BenchmarkText(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Text("A012", 12)
	}
}

func BenchmarkChimeWAV(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ChimeWAV()
	}
}
