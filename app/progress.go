package app

import "context"

// Long work (the monthly report, an export, the work-order binder, the
// call-back draw, a backup, the demo load) reports how far it has got
// through its context, so the window can show a progress bar without every
// layer between the button and the loop taking a callback.

type progressKey struct{}

// ProgressFunc receives done out of total steps; total 0 means unknown.
type ProgressFunc func(done, total int)

// WithProgress returns a context whose work reports progress to f.
func WithProgress(ctx context.Context, f ProgressFunc) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, progressKey{}, f)
}

// ReportProgress tells the context's ProgressFunc, if any, that done of total
// steps are finished.
func ReportProgress(ctx context.Context, done, total int) {
	if f, ok := ctx.Value(progressKey{}).(ProgressFunc); ok {
		f(done, total)
	}
}
