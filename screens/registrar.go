package screens

import (
	"context"

	"bianmin/app"
)

// Registrar is what the counter needs to register and advance 办件: the
// registration part of *app.Service (app/registration.go), or the counter
// node's local service that forwards to the hub later.
type Registrar interface {
	Register(ctx context.Context, actor *app.Staff, req RegisterRequest) (Registration, error)
	// Advance moves a transaction to accepted, completed, returned or refused
	// and returns the transactions it changed (a theme's children, a batch).
	Advance(ctx context.Context, actor *app.Staff, txID int64, to app.TxStatus, note string) ([]app.Transaction, error)
	// SearchItems finds service items by name, pinyin initials or code.
	SearchItems(ctx context.Context, q string, limit int) ([]app.ServiceItem, error)
}

// RegisterRequest and Registration are the app's (app/registration.go).
type (
	RegisterRequest = app.RegisterRequest
	Registration    = app.Registration
)

var _ Registrar = (*app.Service)(nil)
