package app

import (
	"context"
	"time"
)

// Records are the centre's records as documents and the command line read
// them (reports, the ledger's workbook, forms, call lists): reads only, so
// nothing can be changed past the rules and the audit log, and staff
// without their PIN hashes. Screens read through the Service's own methods.
type Records interface {
	Centre(ctx context.Context) (Centre, error)
	Windows(ctx context.Context) ([]Window, error)
	// AllStaff lists every staff member, PIN hashes left out.
	AllStaff(ctx context.Context) ([]Staff, error)
	Posts(ctx context.Context) ([]Post, error)
	Items(ctx context.Context) ([]ServiceItem, error)
	TicketsIssued(ctx context.Context, from, to time.Time) ([]Ticket, error)
	Transaction(ctx context.Context, id int64) (Transaction, error)
	TransactionBySerial(ctx context.Context, serial string) (Transaction, error)
	Evaluation(ctx context.Context, id int64) (Evaluation, error)
	WorkOrders(ctx context.Context, f OrderFilter) ([]WorkOrder, error)
	RatedOrders(ctx context.Context, from, to time.Time) ([]RatedOrder, error)
}

// Records reads the service's store (see Records).
func (s *Service) Records() Records { return records{s.st} }

// records is Records over a Store; a struct rather than the Store itself,
// so a caller cannot assert its way to the writes.
type records struct{ st Store }

func (r records) Centre(ctx context.Context) (Centre, error)    { return r.st.Centre(ctx) }
func (r records) Windows(ctx context.Context) ([]Window, error) { return r.st.Windows(ctx) }
func (r records) Posts(ctx context.Context) ([]Post, error)     { return r.st.Posts(ctx) }
func (r records) Items(ctx context.Context) ([]ServiceItem, error) {
	return r.st.Items(ctx)
}

func (r records) AllStaff(ctx context.Context) ([]Staff, error) {
	all, err := r.st.AllStaff(ctx)
	for i := range all {
		all[i].PINHash = ""
	}
	return all, err
}

func (r records) TicketsIssued(ctx context.Context, from, to time.Time) ([]Ticket, error) {
	return r.st.TicketsIssued(ctx, from, to)
}

func (r records) Transaction(ctx context.Context, id int64) (Transaction, error) {
	return r.st.Transaction(ctx, id)
}

func (r records) TransactionBySerial(ctx context.Context, serial string) (Transaction, error) {
	return r.st.TransactionBySerial(ctx, serial)
}

func (r records) Evaluation(ctx context.Context, id int64) (Evaluation, error) {
	return r.st.Evaluation(ctx, id)
}

func (r records) WorkOrders(ctx context.Context, f OrderFilter) ([]WorkOrder, error) {
	return r.st.WorkOrders(ctx, f)
}

func (r records) RatedOrders(ctx context.Context, from, to time.Time) ([]RatedOrder, error) {
	return r.st.RatedOrders(ctx, from, to)
}
