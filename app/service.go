package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Service is the entry point the screens, the CLI and the devices call.
// Its store is its own: every write goes through the rules here, and what
// others may read goes through Records.
type Service struct {
	st      Store
	Clock   Clock
	Profile *Profile
	Cal     *Calendar
	Log     *slog.Logger
}

// NewService wires a service; log may be nil.
func NewService(st Store, clk Clock, p *Profile, cal *Calendar, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, Clock: clk, Profile: p, Cal: cal, Log: log}
}

// channels that people rate on themselves; all others are entered by staff.
func selfServiceChannel(c Channel) bool {
	switch c {
	case ChannelKeypad, ChannelTablet, ChannelQR, ChannelSelfService, ChannelSMS:
		return true
	}
	return false
}

// Rate stores a rating after the profile's rules accept it, and opens a work
// order for every bad review at once (SZ 22). Ratings a person enters on a
// device need no actor; paper forms, hotline, suggestion book and call-back
// ratings are entered by a manager. A refused rating returns a *UserError
// with the reason; nothing is stored twice or silently dropped.
func (s *Service) Rate(ctx context.Context, actor *Staff, req RateRequest) ([]Evaluation, error) {
	if !selfServiceChannel(req.Channel) && req.Channel.Valid() {
		if err := RequireManager(actor); err != nil {
			return nil, err
		}
	}
	tx, err := s.findTx(ctx, req.TransactionID, req.Serial)
	if err != nil {
		return nil, err
	}
	related, existing, err := s.ratingContext(ctx, tx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	plan, err := planRating(s.Profile, s.Cal, now, req, tx, related, existing)
	if err != nil {
		s.Log.Info("rating refused", "serial", tx.Serial, "channel", req.Channel, "level", int(req.Level),
			"reason", ErrorCode(err))
		return nil, err
	}
	var actorID int64
	if actor != nil {
		actorID = actor.ID
		for i := range plan.rows {
			plan.rows[i].EnteredBy = actor.ID
		}
	}
	return s.store(ctx, plan.rows, AuditEntry{At: now, StaffID: actorID, Action: "rate",
		Detail: fmt.Sprintf("%s %s %s", tx.Serial, req.Channel, req.Level.Name())})
}

// ratingContext loads what the rules need to judge a rating of tx: the
// transactions that share its rating and the rows already stored for them.
func (s *Service) ratingContext(ctx context.Context, tx Transaction) ([]Transaction, []Evaluation, error) {
	related, err := s.st.RelatedTransactions(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(related))
	for i, t := range related {
		ids[i] = t.ID
	}
	existing, err := s.st.EvaluationsFor(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	return related, existing, nil
}

// Correct records a correction of a mistyped rating (a paper form entered
// with the wrong level, say) as a new row pointing at the old one; the old row
// is never changed (SZ 27). Manager only.
func (s *Service) Correct(ctx context.Context, actor *Staff, id int64, req RateRequest, reason string) ([]Evaluation, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, Refuse("no_reason", "更正评价须填写更正原因")
	}
	old, err := s.st.Evaluation(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Refuse("unknown_evaluation", "未找到要更正的评价记录")
	}
	if err != nil {
		return nil, err
	}
	if old.Kind == KindTimeout {
		return nil, Refuse("correct_timeout", "超时未评记录由系统生成，不能更正")
	}
	req.Channel = old.Channel
	if err := checkContent(s.Profile, &req); err != nil {
		return nil, err
	}
	all, err := s.st.EvaluationsFor(ctx, []int64{old.TransactionID})
	if err != nil {
		return nil, err
	}
	for _, e := range all {
		if e.CorrectsID == old.ID {
			return nil, Refuse("already_corrected", "该评价已更正过，请更正最新的记录")
		}
	}
	row := old
	row.ID, row.UID, row.CreatedAt = 0, "", time.Time{}
	row.EventID = newUID()
	row.Level, row.Tags, row.Text = req.Level, req.Tags, req.Text
	row.CorrectsID = old.ID
	row.EnteredBy = actor.ID
	wasBad, isBad := s.Profile.IsBad(old.Level), s.Profile.IsBad(req.Level)
	audit := AuditEntry{At: s.Clock.Now(), StaffID: actor.ID, Action: "correct",
		Detail: fmt.Sprintf("evaluation %d → %s: %s", old.ID, req.Level.Name(), reason)}
	var stored []Evaluation
	if wasBad && isBad {
		// Still a bad review: the order already open for it carries on.
		stored, err = s.st.AddEvaluations(ctx, []Evaluation{row}, nil, nil, audit)
		if err != nil {
			return nil, s.storeErr(err)
		}
		return stored, nil
	}
	if stored, err = s.store(ctx, []Evaluation{row}, audit); err != nil {
		return nil, err
	}
	if wasBad {
		// Not a bad review after all (an entry mistake): its order is closed
		// with the reason, and metrics no longer count it (see addOrder).
		orders, err := s.st.WorkOrders(ctx, OrderFilter{EvaluationID: old.ID, OpenOnly: true})
		if err != nil {
			return stored, err
		}
		for _, o := range orders {
			o.State, o.ClosedAt = OrderClosed, s.Clock.Now()
			step := OrderStep{OrderID: o.ID, StaffID: actor.ID, At: o.ClosedAt, Step: string(StepClosed),
				Detail: "评价已更正为“" + req.Level.Name() + "”（" + reason + "），工单随之办结"}
			if err := s.st.UpdateWorkOrder(ctx, o, step); err != nil {
				return stored, err
			}
		}
	}
	return stored, nil
}

// storeErr turns a duplicate from the database (two devices racing for one
// visit) into the same refusal the rules give.
func (s *Service) storeErr(err error) error {
	if errors.Is(err, ErrFormEntered) {
		return &UserError{Code: "form_entered", Msg: "该表号已录入，同一张评价表不能录入两次，请核对表号", Err: err}
	}
	if errors.Is(err, ErrDuplicate) {
		return &UserError{Code: CodeAlreadyRated, Msg: "该次办理已评价，同一次办理只能评价一次", Err: err}
	}
	return fmt.Errorf("store evaluation: %w", err)
}

// store writes rows and a work order for each bad active or corrected-to-bad row.
func (s *Service) store(ctx context.Context, rows []Evaluation, audit AuditEntry) ([]Evaluation, error) {
	now := s.Clock.Now()
	var orders []WorkOrder
	var orderFor []int
	for i, r := range rows {
		if r.Kind == KindTimeout || !s.Profile.IsBad(r.Level) {
			continue
		}
		orders = append(orders, s.newOrder(r, now))
		orderFor = append(orderFor, i)
	}
	stored, err := s.st.AddEvaluations(ctx, rows, orders, orderFor, audit)
	if err != nil {
		return nil, s.storeErr(err)
	}
	return stored, nil
}

// newOrder opens the 差评工单 for a bad review with its deadlines (SZ 22–28).
func (s *Service) newOrder(r Evaluation, now time.Time) WorkOrder {
	cat := CatItem
	if r.Dimension == DimWindow {
		cat = CatStaff // a window rating is about the clerk until classified otherwise
	}
	return WorkOrder{
		TransactionID: r.TransactionID, ClerkID: r.ClerkID, WindowID: r.WindowID, ItemCode: r.ItemCode,
		Category: cat, State: OrderOpen, CreatedAt: now,
		ContactDue: s.Cal.Deadline(now, s.Profile.ContactDeadline(cat)),
		FinishDue:  s.Cal.Deadline(now, s.Profile.Deadlines.Finish),
	}
}

func (s *Service) findTx(ctx context.Context, id int64, serial string) (Transaction, error) {
	var tx Transaction
	var err error
	if id != 0 {
		tx, err = s.st.Transaction(ctx, id)
	} else {
		serial = strings.TrimSpace(serial)
		if serial == "" {
			return tx, Refuse("no_serial", "请输入或扫描办件流水号")
		}
		tx, err = s.st.TransactionBySerial(ctx, serial)
	}
	if errors.Is(err, ErrNotFound) {
		return tx, Refuse(CodeUnknownTransaction, "未找到办件 %s，请核对流水号", serial)
	}
	return tx, err
}

// SettleTimeouts records 未评 (or the profile's default) for every finished
// transaction whose rating window has passed. It returns how many it recorded.
func (s *Service) SettleTimeouts(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	// The window is at least N natural days or hours long, so nothing newer can be due.
	before := now
	switch w := s.Profile.Rating.Window; w.Unit {
	case UnitHours:
		before = now.Add(-time.Duration(w.N) * time.Hour)
	default:
		before = now.AddDate(0, 0, -w.N)
	}
	total := 0
	for {
		txs, err := s.st.FinishedUnrated(ctx, before, 500)
		if err != nil {
			return total, err
		}
		var rows []Evaluation
		stop := len(txs) < 500
		for _, tx := range txs {
			due := s.Cal.Deadline(tx.CompletedAt, s.Profile.Rating.Window)
			if !now.After(due) {
				stop = true // oldest first: none after this one is due either
				break
			}
			rows = append(rows, timeoutRow(s.Profile, tx, due))
		}
		if len(rows) > 0 {
			if _, err := s.st.AddEvaluations(ctx, rows, nil, nil, AuditEntry{At: now, Action: "timeout",
				Detail: fmt.Sprintf("%d transactions", len(rows))}); err != nil {
				return total, err
			}
			total += len(rows)
		}
		if stop || len(rows) == 0 {
			return total, nil
		}
	}
}

// Reminder is a finished transaction that is due a rating reminder.
type Reminder struct {
	Tx       Transaction
	RemindAt time.Time // reminder due since
	Deadline time.Time // the rating window closes
}

// RemindersDue lists finished, unrated transactions past the profile's reminder
// delay (GB39734 7.2.1 24 h, TA 1 working day) whose window is still open.
func (s *Service) RemindersDue(ctx context.Context, limit int) ([]Reminder, error) {
	now := s.Clock.Now()
	txs, err := s.st.FinishedUnrated(ctx, now, 100000)
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, tx := range txs {
		remind := s.Cal.Deadline(tx.CompletedAt, s.Profile.Rating.Reminder)
		due := s.Cal.Deadline(tx.CompletedAt, s.Profile.Rating.Window)
		if now.Before(remind) || now.After(due) {
			continue
		}
		out = append(out, Reminder{Tx: tx, RemindAt: remind, Deadline: due})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// StatsReport is the metrics of a period, optionally grouped.
type StatsReport struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"` // exclusive
	Profile string    `json:"profile"`
	By      GroupBy   `json:"by,omitempty"`
	Metrics
	Groups []Group `json:"groups,omitempty"`
}

// Stats computes the metrics for ratings rated in [from, to).
func (s *Service) Stats(ctx context.Context, from, to time.Time, by GroupBy) (*StatsReport, error) {
	if !to.After(from) {
		return nil, Refuse("bad_period", "统计区间无效：结束日期应晚于开始日期")
	}
	// Counted by the store: the same facts as the report's, grouped in SQL.
	f, err := s.st.FactCounts(ctx, from, to, by)
	if err != nil {
		return nil, err
	}
	m, groups := Compute(s.Profile, f, by)
	if err := s.labelGroups(ctx, by, groups); err != nil {
		return nil, err
	}
	return &StatsReport{From: from, To: to, Profile: s.Profile.Name, By: by, Metrics: m, Groups: groups}, nil
}

func (s *Service) labelGroups(ctx context.Context, by GroupBy, groups []Group) error {
	if len(groups) == 0 {
		return nil
	}
	labels := map[string]string{}
	switch by {
	case ByWindow:
		ws, err := s.st.Windows(ctx)
		if err != nil {
			return err
		}
		for _, w := range ws {
			labels[fmt.Sprint(w.ID)] = fmt.Sprintf("%d号窗口 %s", w.Number, w.Name)
		}
	case ByClerk:
		st, err := s.st.AllStaff(ctx)
		if err != nil {
			return err
		}
		for _, x := range st {
			labels[fmt.Sprint(x.ID)] = x.No + " " + x.Name
		}
	case ByItem:
		items, err := s.st.Items(ctx)
		if err != nil {
			return err
		}
		for _, it := range items {
			labels[it.Code] = it.Name
		}
	}
	for i := range groups {
		if l, ok := labels[groups[i].Key]; ok {
			groups[i].Label = l
		} else {
			groups[i].Label = "（未知）" + groups[i].Key
		}
	}
	return nil
}

// Dashboard is what the manager's first screen shows.
type Dashboard struct {
	Centre     Centre
	Profile    string
	Now        time.Time
	Today      *StatsReport
	Month      *StatsReport
	OpenOrders int
	Overdue    int // open orders past their contact or finish deadline
	// FailedLogins are the 工号 with failed PIN attempts in the last day.
	FailedLogins []LoginFailure
	// Trend is the last 12 months, oldest first, the current one last: the
	// same Stats the report and `bianmin stats` compute, per month.
	Trend []TrendMonth
}

// TrendMonth is one month of the dashboard's trend.
type TrendMonth struct {
	Month        time.Time // its first day
	GoodRate     *float64  // nil: no ratings
	ValidBad     int       // 有效差评次数
	Transactions int       // 办件 finished
}

// Dashboard computes today's and this month's metrics and the open work orders.
// Rating windows that have closed since the last look are settled first, so
// 未评 shows up on the dashboard without anyone running `bianmin stats`.
func (s *Service) Dashboard(ctx context.Context) (*Dashboard, error) {
	if n, err := s.SettleTimeouts(ctx); err != nil {
		s.Log.Warn("settling rating timeouts failed", "err", err) // the figures are shown anyway
	} else if n > 0 {
		s.Log.Info("rating timeouts settled", "count", n)
	}
	now := s.Clock.Now()
	c, err := s.st.Centre(ctx)
	if err != nil {
		return nil, err
	}
	y, m, d := now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	month := time.Date(y, m, 1, 0, 0, 0, 0, now.Location())
	today, err := s.Stats(ctx, day, day.AddDate(0, 0, 1), ByNone)
	if err != nil {
		return nil, err
	}
	mon, err := s.Stats(ctx, month, month.AddDate(0, 1, 0), ByNone)
	if err != nil {
		return nil, err
	}
	orders, err := s.st.WorkOrders(ctx, OrderFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	db := &Dashboard{Centre: c, Profile: s.Profile.Title, Now: now, Today: today, Month: mon, OpenOrders: len(orders)}
	if db.FailedLogins, err = s.failedLogins(ctx); err != nil {
		return nil, err
	}
	for _, o := range orders {
		if s.Overdue(o, now) {
			db.Overdue++
		}
	}
	for i := 11; i >= 0; i-- {
		from := month.AddDate(0, -i, 0)
		r := mon
		if i > 0 {
			if r, err = s.Stats(ctx, from, from.AddDate(0, 1, 0), ByNone); err != nil {
				return nil, err
			}
		}
		db.Trend = append(db.Trend, TrendMonth{Month: from, GoodRate: r.GoodRate, ValidBad: r.ValidBad, Transactions: r.Transactions})
	}
	return db, nil
}

// Overdue reports whether the order has missed any of its deadlines: contact,
// finish, the call-back after rectification (OrderDues; the appeal review,
// which needs the order's steps, is checked by the ledger). The dashboard,
// the report, the export and the ledger all use this one rule.
func (s *Service) Overdue(o WorkOrder, now time.Time) bool {
	for _, d := range OrderDues(s.Profile, s.Cal, o, nil, now) {
		if d.Overdue {
			return true
		}
	}
	return false
}
