//go:build !linux

package devices

import (
	"context"
	"log/slog"
	"time"

	"bianmin/devices/escpos"
	"bianmin/devices/idcard"
)

// Simulated devices need pseudo-terminals: Linux only. Elsewhere a device
// that is not configured is reported as such.

type simKeypad struct{ port simPort }

func (*simKeypad) close() {}

type simPrinter struct {
	port simPort
	dir  string
}

func (*simPrinter) close()       {}
func (*simPrinter) Last() string { return "" }
func (*simPrinter) Count() int   { return 0 }

type simPort struct{ link string }

func newSimKeypad(context.Context, *slog.Logger, int, time.Duration) (*simKeypad, error) {
	return nil, errNoSim
}

func newSimPrinter(context.Context, *slog.Logger, string, escpos.Profile, func(string)) (*simPrinter, error) {
	return nil, errNoSim
}

type simIDReader struct{ port simPort }

func (*simIDReader) close()           {}
func (*simIDReader) Sim() *idcard.Sim { return nil }
func (*simIDReader) Unplug()          {}
func (*simIDReader) Replug() error    { return errNoSim }

func newSimIDReader(context.Context) (*simIDReader, error) { return nil, errNoSim }
