package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The 差评台账 (bad-review ledger): classification and assignment, appeals,
// on-site resolution, every deadline of the loop with overdue and due-soon
// flags, the daily summary, the clerk's own view and the watch lists.

// Steps recorded by the ledger besides those of RecordStep.
const (
	StepAssigned       StepKind = "assigned"        // 分类/指派责任人, with the reason (SZ 23)
	StepAppeal         StepKind = "appeal"          // 被评价人申诉 with evidence (SZ 25, TA 三.3)
	StepAppealDecision StepKind = "appeal_decision" // 申诉复核结论 (TA 三.3)
)

// StepName is the Chinese name of a recorded step ("contacted" → 联系评价人).
func StepName(step string) string {
	switch StepKind(step) {
	case StepContacted:
		return "联系评价人"
	case StepVerified:
		return "核实"
	case StepRectified:
		return "整改"
	case StepExtended:
		return "延期"
	case StepCalledBack:
		return "回访"
	case StepClosed:
		return "办结"
	case StepOnSite:
		return "现场化解"
	case StepAssigned:
		return "分类指派"
	case StepAppeal:
		return "申诉"
	case StepAppealDecision:
		return "申诉复核"
	case StepNotified:
		return "通知被评价人"
	}
	return step
}

// ---------------------------------------------------------------------------
// Classification and assignment

// AssignInput classifies an order and names the person responsible for it.
type AssignInput struct {
	Category   OrderCategory // 事项/流程, 系统, 人员 (SZ 23)
	AssigneeID int64         // the responsible staff member (谁办理、谁负责)
	Reason     string        // why; required, recorded with the step
}

// Assign (re)classifies an order and (re)assigns it, recording who changed
// what and why. Manager only. A change of category before the evaluator was
// contacted moves the contact deadline to the new category's limit (2
// working days for a clerk, SZ 25; 3 for an item or system, SZ 24), counted
// from the order's creation.
func (s *Service) Assign(ctx context.Context, actor *Staff, orderID int64, in AssignInput) (WorkOrder, error) {
	if err := RequireManager(actor); err != nil {
		return WorkOrder{}, err
	}
	o, err := s.openOrder(ctx, orderID)
	if err != nil {
		return o, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return o, Refuse("need_reason", "分类或更换责任人须填写原因")
	}
	switch in.Category {
	case CatItem, CatSystem, CatStaff:
	default:
		return o, Refuse("bad_category", "请选择工单分类：事项/流程、系统或人员")
	}
	if in.AssigneeID == 0 {
		return o, Refuse("need_assignee", "请选择责任人")
	}
	assignee, err := s.st.StaffByID(ctx, in.AssigneeID)
	if errors.Is(err, ErrNotFound) || (err == nil && !assignee.Active) {
		return o, Refuse("bad_assignee", "责任人不存在或已停用")
	}
	if err != nil {
		return o, err
	}
	if in.Category == o.Category && in.AssigneeID == o.AssigneeID {
		return o, Refuse("no_change", "分类和责任人均未改变")
	}
	prevName := "未指定"
	if o.AssigneeID != 0 {
		if p, err := s.st.StaffByID(ctx, o.AssigneeID); err == nil {
			prevName = p.Name
		}
	}
	detail := fmt.Sprintf("分类：%s → %s；责任人：%s → %s；原因：%s",
		o.Category.Name(), in.Category.Name(), prevName, assignee.Name, in.Reason)
	if in.Category != o.Category && o.RepliedAt.IsZero() {
		o.ContactDue = s.Cal.Deadline(o.CreatedAt, s.Profile.ContactDeadline(in.Category))
		detail += fmt.Sprintf("；联系期限改为%s", o.ContactDue.Format("2006-01-02"))
	}
	o.Category, o.AssigneeID = in.Category, in.AssigneeID
	step := OrderStep{OrderID: o.ID, StaffID: actor.ID, At: s.Clock.Now(), Step: string(StepAssigned), Detail: detail}
	if err := s.st.UpdateWorkOrder(ctx, o, step); err != nil {
		return o, fmt.Errorf("assign work order: %w", err)
	}
	return o, nil
}

// openOrder loads an order that is not closed.
func (s *Service) openOrder(ctx context.Context, id int64) (WorkOrder, error) {
	o, err := s.st.WorkOrder(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return o, Refuse("unknown_order", "未找到差评工单 %d", id)
	}
	if err != nil {
		return o, err
	}
	if o.State == OrderClosed {
		return o, Refuse("order_closed", "该工单已办结，不能再记录处理步骤")
	}
	return o, nil
}

// ---------------------------------------------------------------------------
// Appeals (SZ 25, TA 三.3)

// Appeal is a clerk's appeal against a bad review and its review, read back
// from the order's steps.
type Appeal struct {
	FiledAt   time.Time
	FiledBy   int64
	Evidence  string
	ReviewDue time.Time // the profile's appeal_review after FiledAt
	DecidedAt time.Time // zero while pending
	DecidedBy int64
	Verdict   Verdict // the decision: valid (申诉不成立), mistaken or malicious
	Reason    string
}

// Pending reports whether the appeal awaits the manager's decision.
func (a *Appeal) Pending() bool { return a != nil && a.DecidedAt.IsZero() }

const appealPrefix = "申诉理由及证据："

// appealOf reads the appeal of an order from its steps; nil when none.
func appealOf(p *Profile, cal *Calendar, steps []OrderStep) *Appeal {
	var a *Appeal
	for _, st := range steps {
		switch StepKind(st.Step) {
		case StepAppeal:
			a = &Appeal{FiledAt: st.At, FiledBy: st.StaffID, Evidence: strings.TrimPrefix(st.Detail, appealPrefix),
				ReviewDue: cal.Deadline(st.At, p.Deadlines.AppealReview)}
		case StepAppealDecision:
			if a == nil {
				continue
			}
			a.DecidedAt, a.DecidedBy = st.At, st.StaffID
			for _, v := range []Verdict{VerdictValid, VerdictMistaken, VerdictMalicious} {
				if rest, ok := strings.CutPrefix(st.Detail, appealVerdictLabel(v)+"："); ok {
					a.Verdict, a.Reason = v, rest
				}
			}
		}
	}
	return a
}

func appealVerdictLabel(v Verdict) string {
	if v == VerdictValid {
		return "申诉不成立，维持有效差评"
	}
	return "申诉成立，认定为" + v.Name()
}

// AppealDue is the last moment the rated clerk may appeal: the profile's
// appeal limit (3 working days) after the order was created, or, where the
// profile counts it from the notification (SZ 25), after the clerk was
// notified; ok is false while that notification is still to be recorded
// (the window has not started: the clerk may appeal).
func (s *Service) AppealDue(o WorkOrder, steps []OrderStep) (due time.Time, ok bool) {
	if s.Profile.Deadlines.AppealFrom != "notified" {
		return s.Cal.Deadline(o.CreatedAt, s.Profile.Deadlines.Appeal), true
	}
	for _, st := range steps {
		if StepKind(st.Step) == StepNotified {
			return s.Cal.Deadline(st.At, s.Profile.Deadlines.Appeal), true
		}
	}
	return time.Time{}, false
}

// FileAppeal records the rated clerk's appeal with its evidence. Only the
// rated clerk may appeal, once, within the profile's limit, and not after the
// review was already found invalid.
func (s *Service) FileAppeal(ctx context.Context, actor *Staff, orderID int64, evidence string) (WorkOrder, error) {
	if actor == nil || !actor.Active {
		return WorkOrder{}, Refuse("login", "请先登录")
	}
	o, err := s.openOrder(ctx, orderID)
	if err != nil {
		return o, err
	}
	if o.ClerkID != actor.ID {
		return o, Refuse("not_yours", "只有被评价的工作人员本人可以对该差评提出申诉")
	}
	evidence = strings.TrimSpace(evidence)
	if evidence == "" {
		return o, Refuse("need_evidence", "申诉须写明理由并提供证据材料")
	}
	if o.Verdict.Invalid() {
		return o, Refuse("already_invalid", "该差评已认定为%s，无需申诉", o.Verdict.Name())
	}
	now := s.Clock.Now()
	steps, err := s.st.OrderSteps(ctx, o.ID)
	if err != nil {
		return o, err
	}
	if due, ok := s.AppealDue(o, steps); ok && now.After(due) {
		return o, Refuse("appeal_late", "申诉期限已过（应于%s前提出）", due.Format("2006-01-02"))
	}
	if appealOf(s.Profile, s.Cal, steps) != nil {
		return o, Refuse("appeal_exists", "该差评已提出过申诉，每条差评只能申诉一次")
	}
	step := OrderStep{OrderID: o.ID, StaffID: actor.ID, At: now, Step: string(StepAppeal), Detail: appealPrefix + evidence}
	if err := s.st.UpdateWorkOrder(ctx, o, step); err != nil {
		return o, fmt.Errorf("file appeal: %w", err)
	}
	return o, nil
}

// DecideAppeal records the manager's decision on a pending appeal. A decision
// of 误评 or 恶意 sets the order's verdict; the rating itself is never changed
// (SZ 27). VerdictValid rejects the appeal and confirms the bad review.
func (s *Service) DecideAppeal(ctx context.Context, actor *Staff, orderID int64, v Verdict, reason string) (WorkOrder, error) {
	if err := RequireManager(actor); err != nil {
		return WorkOrder{}, err
	}
	o, err := s.openOrder(ctx, orderID)
	if err != nil {
		return o, err
	}
	if v != VerdictValid && !v.Invalid() {
		return o, Refuse("need_verdict", "请选择复核结论：维持有效差评、误评或恶意评价")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return o, Refuse("need_reason", "请填写复核依据（材料、与评价人沟通、监控、调查等）")
	}
	steps, err := s.st.OrderSteps(ctx, o.ID)
	if err != nil {
		return o, err
	}
	if a := appealOf(s.Profile, s.Cal, steps); !a.Pending() {
		return o, Refuse("no_appeal", "该工单没有待复核的申诉")
	}
	o.Verdict = v
	step := OrderStep{OrderID: o.ID, StaffID: actor.ID, At: s.Clock.Now(), Step: string(StepAppealDecision),
		Detail: appealVerdictLabel(v) + "：" + reason}
	if err := s.st.UpdateWorkOrder(ctx, o, step); err != nil {
		return o, fmt.Errorf("decide appeal: %w", err)
	}
	return o, nil
}

// ---------------------------------------------------------------------------
// On-site resolution (现场化解, JZ 8.2.1.3)

// OnSiteResolution is one bad review settled on the spot.
type OnSiteResolution struct {
	ID       int64
	OrderID  int64
	Problem  string    // what the problem was
	Action   string    // what was done
	StaffID  int64     // who settled it
	Response string    // the applicant's response
	ReRated  bool      // the applicant chose to rate again (a follow-up rating)
	At       time.Time // when it was settled
}

// OnSiteStore keeps 现场化解 records.
type OnSiteStore interface {
	// RecordOnSite stores the order's new state, the step and the resolution
	// (filling its ID) in one database transaction, with the outbox row.
	RecordOnSite(ctx context.Context, o WorkOrder, step OrderStep, r OnSiteResolution) (OnSiteResolution, error)
	// OnSiteResolutions lists an order's resolutions, oldest first.
	OnSiteResolutions(ctx context.Context, orderID int64) ([]OnSiteResolution, error)
}

// OnSiteInput is what the clerk or manager records after settling a bad review.
type OnSiteInput struct {
	Problem  string
	Action   string
	StaffID  int64 // who settled it; 0 = the person recording
	Response string
	ReRated  bool
	At       time.Time // when; zero = now. Recording afterwards is normal (JZ 8.2.1.3).
}

// RecordOnSite records a 现场化解. It closes the contact and rectification
// steps in one record: the order counts as replied (差评回复率) and rectified;
// the call-back then follows within the profile's limit, so it counts in
// 差评回访整改率 once called back, like any other rectified order.
func (s *Service) RecordOnSite(ctx context.Context, actor *Staff, orderID int64, in OnSiteInput) (WorkOrder, error) {
	if actor == nil || !actor.Active {
		return WorkOrder{}, Refuse("login", "请先登录")
	}
	o, err := s.openOrder(ctx, orderID)
	if err != nil {
		return o, err
	}
	in.Problem, in.Action, in.Response = strings.TrimSpace(in.Problem), strings.TrimSpace(in.Action), strings.TrimSpace(in.Response)
	if in.Problem == "" || in.Action == "" {
		return o, Refuse("need_detail", "请填写现场化解的问题和处理情况")
	}
	if in.Response == "" {
		return o, Refuse("need_response", "请填写群众对处理结果的意见")
	}
	if !o.RectifiedAt.IsZero() {
		return o, Refuse("already_rectified", "该工单已整改，不能再登记现场化解")
	}
	now := s.Clock.Now()
	if in.At.IsZero() {
		in.At = now
	}
	if in.At.After(now) {
		return o, Refuse("future_time", "化解时间不能晚于当前时间")
	}
	if in.StaffID == 0 {
		in.StaffID = actor.ID
	}
	who, err := s.st.StaffByID(ctx, in.StaffID)
	if errors.Is(err, ErrNotFound) {
		return o, Refuse("bad_staff", "未找到化解人")
	}
	if err != nil {
		return o, err
	}
	o.OnSite = true
	if o.RepliedAt.IsZero() {
		o.RepliedAt = in.At
	}
	o.RectifiedAt = in.At
	o.State = OrderRectified
	rerated := "未重新评价"
	if in.ReRated {
		rerated = "已重新评价"
	}
	step := OrderStep{OrderID: o.ID, StaffID: actor.ID, At: now, Step: string(StepOnSite),
		Detail: fmt.Sprintf("问题：%s；处理：%s；化解人：%s；群众意见：%s；%s", in.Problem, in.Action, who.Name, in.Response, rerated)}
	r := OnSiteResolution{OrderID: o.ID, Problem: in.Problem, Action: in.Action, StaffID: in.StaffID,
		Response: in.Response, ReRated: in.ReRated, At: in.At}
	if _, err := s.st.RecordOnSite(ctx, o, step, r); err != nil {
		return o, fmt.Errorf("record on-site resolution: %w", err)
	}
	return o, nil
}

// ---------------------------------------------------------------------------
// Deadlines

// DueKind names a deadline of the loop.
type DueKind string

// Deadlines of a work order.
const (
	DueContact      DueKind = "contact"       // 联系评价人 (SZ 24/25)
	DueFinish       DueKind = "finish"        // 办结 (SZ 28)
	DueCallback     DueKind = "callback"      // 整改后回访 (TA 三.2)
	DueAppealReview DueKind = "appeal_review" // 申诉复核 (TA 三.3)
)

// DueKinds lists the deadline kinds in display order.
func DueKinds() []DueKind { return []DueKind{DueContact, DueFinish, DueCallback, DueAppealReview} }

// Name is the Chinese name.
func (k DueKind) Name() string {
	switch k {
	case DueContact:
		return "联系评价人"
	case DueFinish:
		return "办结"
	case DueCallback:
		return "回访"
	case DueAppealReview:
		return "申诉复核"
	}
	return string(k)
}

// OrderDue is one deadline of an order and where it stands at a moment.
type OrderDue struct {
	Kind    DueKind
	Due     time.Time
	DoneAt  time.Time // zero while not done
	Overdue bool      // not done and past Due
	DueSoon bool      // not done, not overdue, due by the end of the next working day
	Late    bool      // done after Due
	Rule    string    // the limit and its source: 2个工作日（深圳办法第二十五条）
}

// Done reports whether the step the deadline asks for was taken.
func (d OrderDue) Done() bool { return !d.DoneAt.IsZero() }

// Status is the Chinese word for where the deadline stands: 按期完成,
// 超期完成, 已超期, 即将到期 or 未到期.
func (d OrderDue) Status() string {
	switch {
	case d.Done() && d.Late:
		return "超期完成"
	case d.Done():
		return "按期完成"
	case d.Overdue:
		return "已超期"
	case d.DueSoon:
		return "即将到期"
	}
	return "未到期"
}

// OrderDues computes every deadline of o at now: contact and finish as stored
// on the order, the call-back from the rectification (profile callback), the
// appeal review from the appeal (profile appeal_review). A closed order has
// nothing outstanding.
func OrderDues(p *Profile, cal *Calendar, o WorkOrder, a *Appeal, now time.Time) []OrderDue {
	var out []OrderDue
	add := func(k DueKind, due, done time.Time) {
		if due.IsZero() {
			return
		}
		d := OrderDue{Kind: k, Due: due, DoneAt: done, Rule: p.DueRule(k, o.Category)}
		switch {
		case d.Done():
			d.Late = done.After(due)
		case o.State == OrderClosed:
			// closed without this step (an invalid review needs no call-back)
		case now.After(due):
			d.Overdue = true
		case !due.After(cal.AddWorkdays(now, 1)):
			d.DueSoon = true
		}
		out = append(out, d)
	}
	add(DueContact, o.ContactDue, o.RepliedAt)
	add(DueFinish, o.FinishDue, o.ClosedAt)
	if !o.RectifiedAt.IsZero() {
		add(DueCallback, cal.Deadline(o.RectifiedAt, p.Deadlines.Callback), o.CalledBackAt)
	}
	if a != nil {
		add(DueAppealReview, a.ReviewDue, a.DecidedAt)
	}
	return out
}

// ---------------------------------------------------------------------------
// The manager's ledger

// LedgerFilter selects ledger entries. Zero values select everything.
type LedgerFilter struct {
	State       OrderState // "" = any
	OpenOnly    bool
	OverdueOnly bool
	DueSoonOnly bool
	ClerkID     int64
	WindowID    int64
	ItemCode    string
	Category    OrderCategory // "" = any
	From, To    time.Time     // when the bad review was rated, [From, To)
	// Query finds orders by 工单号, the transaction's 流水号 (or part of it),
	// the clerk's or assignee's name or number, the item, or the evaluator's
	// name as the manager heard it on the phone (matched in full, shown masked).
	Query string
}

// LedgerEntry is one order in the manager's ledger.
type LedgerEntry struct {
	Order        WorkOrder
	ItemName     string
	ClerkName    string
	AssigneeName string
	Level        Level
	RatedAt      time.Time // when the bad review was given (the ledger's date range)
	Tags         []string
	Text         string
	// EvaluatorName and EvaluatorTel are masked (张*, 138****1234): the
	// manager needs to know whom to call; the full number stays in the record.
	EvaluatorName string
	EvaluatorTel  string
	Dues          []OrderDue
	Appeal        *Appeal
	Overdue       bool
	DueSoon       bool
	Serial        string // the transaction's 流水号
}

// Due returns the entry's deadline of kind k (ok false when it has none).
func (e LedgerEntry) Due(k DueKind) (OrderDue, bool) {
	for _, d := range e.Dues {
		if d.Kind == k {
			return d, true
		}
	}
	return OrderDue{}, false
}

// OrderDetail is one order with its full history.
type OrderDetail struct {
	LedgerEntry
	Steps   []StepView
	OnSite  []OnSiteResolution
	Channel Channel
	RatedAt time.Time
	Serial  string // the transaction's 流水号
	Window  int    // 窗口号
}

// StepView is a recorded step with the name of who took it.
type StepView struct {
	OrderStep
	Name      string // Chinese step name
	StaffName string
}

type ledgerNames struct {
	staff   map[int64]Staff
	items   map[string]string
	windows map[int64]Window
}

func (s *Service) names(ctx context.Context) (ledgerNames, error) {
	n := ledgerNames{staff: map[int64]Staff{}, items: map[string]string{}, windows: map[int64]Window{}}
	ws, err := s.st.Windows(ctx)
	if err != nil {
		return n, err
	}
	for _, w := range ws {
		n.windows[w.ID] = w
	}
	st, err := s.st.AllStaff(ctx)
	if err != nil {
		return n, err
	}
	for _, x := range st {
		n.staff[x.ID] = x
	}
	items, err := s.st.Items(ctx)
	if err != nil {
		return n, err
	}
	for _, it := range items {
		n.items[it.Code] = it.Name
	}
	return n, nil
}

func (n ledgerNames) item(code string) string {
	if v, ok := n.items[code]; ok {
		return v
	}
	return code
}

func (n ledgerNames) person(id int64) string {
	if id == 0 {
		return "未指定"
	}
	if x, ok := n.staff[id]; ok {
		return x.Name
	}
	return fmt.Sprintf("（工作人员%d）", id)
}

// entry builds the ledger entry of o.
func (s *Service) entry(ctx context.Context, n ledgerNames, o WorkOrder, now time.Time) (LedgerEntry, []OrderStep, Evaluation, error) {
	e := LedgerEntry{Order: o, ItemName: n.item(o.ItemCode), ClerkName: n.person(o.ClerkID), AssigneeName: n.person(o.AssigneeID)}
	var ev Evaluation
	if o.EvaluationID != 0 {
		var err error
		ev, err = s.st.Evaluation(ctx, o.EvaluationID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return e, nil, ev, err
		}
		e.Level, e.Tags, e.Text, e.RatedAt = ev.Level, ev.Tags, ev.Text, ev.RatedAt
		e.EvaluatorName, e.EvaluatorTel = MaskName(ev.EvaluatorName), MaskPhone(ev.EvaluatorTel)
	}
	if o.TransactionID != 0 {
		if tx, err := s.st.Transaction(ctx, o.TransactionID); err == nil {
			e.Serial = tx.Serial
		} else if !errors.Is(err, ErrNotFound) {
			return e, nil, ev, err
		}
	}
	steps, err := s.st.OrderSteps(ctx, o.ID)
	if err != nil {
		return e, nil, ev, err
	}
	e.Appeal = appealOf(s.Profile, s.Cal, steps)
	e.Dues = OrderDues(s.Profile, s.Cal, o, e.Appeal, now)
	for _, d := range e.Dues {
		e.Overdue = e.Overdue || d.Overdue
		e.DueSoon = e.DueSoon || d.DueSoon
	}
	return e, steps, ev, nil
}

// Ledger lists the work orders matching f with their deadlines, overdue
// first, then by creation. Manager only.
func (s *Service) Ledger(ctx context.Context, actor *Staff, f LedgerFilter) ([]LedgerEntry, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	orders, err := s.ledgerOrders(ctx, f)
	if err != nil {
		return nil, err
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out []LedgerEntry
	q := strings.TrimSpace(f.Query)
	for _, o := range orders {
		if (f.State != "" && o.State != f.State) || (f.WindowID != 0 && o.WindowID != f.WindowID) ||
			(f.ItemCode != "" && o.ItemCode != f.ItemCode) || (f.Category != "" && o.Category != f.Category) {
			continue
		}
		e, _, ev, err := s.entry(ctx, n, o, now)
		if err != nil {
			return nil, err
		}
		if (f.OverdueOnly && !e.Overdue) || (f.DueSoonOnly && !e.DueSoon) {
			continue
		}
		if q != "" && !ledgerMatches(e, ev, n, q) {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		// A search by 工单号 lists that order first.
		if ei, ej := strconv.FormatInt(out[i].Order.ID, 10) == q, strconv.FormatInt(out[j].Order.ID, 10) == q; ei != ej {
			return ei
		}
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue
		}
		return out[i].Order.CreatedAt.Before(out[j].Order.CreatedAt)
	})
	return out, nil
}

// ledgerOrders reads the orders the filter can select in the store. A date
// range is the time of the bad review (as the report and the statistics
// count a month), not of the order's creation: a paper form entered on
// 2 November belongs to October if it was filled in then.
func (s *Service) ledgerOrders(ctx context.Context, f LedgerFilter) ([]WorkOrder, error) {
	if f.From.IsZero() && f.To.IsZero() {
		return s.st.WorkOrders(ctx, OrderFilter{OpenOnly: f.OpenOnly, ClerkID: f.ClerkID})
	}
	to := f.To
	if to.IsZero() {
		to = s.Clock.Now().AddDate(1, 0, 0) // "from this day on": any rating stored so far
	}
	rated, err := s.st.RatedOrders(ctx, f.From, to)
	if err != nil {
		return nil, err
	}
	var out []WorkOrder
	for _, o := range rated {
		if (f.OpenOnly && o.State == OrderClosed) || (f.ClerkID != 0 && o.ClerkID != f.ClerkID) {
			continue
		}
		out = append(out, o.WorkOrder)
	}
	return out, nil
}

// ledgerMatches reports whether the search text q finds entry e.
func ledgerMatches(e LedgerEntry, ev Evaluation, n ledgerNames, q string) bool {
	if strconv.FormatInt(e.Order.ID, 10) == q {
		return true
	}
	for _, s := range []string{e.Serial, e.ClerkName, e.AssigneeName, e.ItemName, e.Order.ItemCode,
		n.staff[e.Order.ClerkID].No} {
		if s != "" && strings.Contains(s, q) {
			return true
		}
	}
	return ev.EvaluatorName != "" && ev.EvaluatorName == q
}

// OrderDetail returns one order with its full history. Manager only.
func (s *Service) OrderDetail(ctx context.Context, actor *Staff, id int64) (*OrderDetail, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	o, err := s.st.WorkOrder(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Refuse("unknown_order", "未找到差评工单 %d", id)
	}
	if err != nil {
		return nil, err
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	e, steps, ev, err := s.entry(ctx, n, o, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	d := &OrderDetail{LedgerEntry: e, Channel: ev.Channel, RatedAt: ev.RatedAt, Window: n.windows[o.WindowID].Number}
	if tx, err := s.st.Transaction(ctx, o.TransactionID); err == nil {
		d.Serial = tx.Serial
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	for _, st := range steps {
		d.Steps = append(d.Steps, StepView{OrderStep: st, Name: StepName(st.Step), StaffName: n.person(st.StaffID)})
	}
	if d.OnSite, err = s.st.OnSiteResolutions(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// ---------------------------------------------------------------------------
// Daily summary (SZ 29: overdue warnings)

// DailySummary is the morning overview of the open orders.
type DailySummary struct {
	Now      time.Time
	Open     int
	NewToday int
	Overdue  map[DueKind]int // open deadlines past due, by kind
	DueSoon  map[DueKind]int // due by the end of the next working day
	// OverdueOrders and DueSoonOrders are the entries concerned, oldest first.
	OverdueOrders []LedgerEntry
	DueSoonOrders []LedgerEntry
}

// Summary computes the daily summary of the open orders. Manager only.
func (s *Service) Summary(ctx context.Context, actor *Staff) (*DailySummary, error) {
	entries, err := s.Ledger(ctx, actor, LedgerFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	y, m, d := now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	sum := &DailySummary{Now: now, Open: len(entries), Overdue: map[DueKind]int{}, DueSoon: map[DueKind]int{}}
	for _, e := range entries {
		if !e.Order.CreatedAt.Before(day) {
			sum.NewToday++
		}
		for _, d := range e.Dues {
			if d.Overdue {
				sum.Overdue[d.Kind]++
			}
			if d.DueSoon {
				sum.DueSoon[d.Kind]++
			}
		}
		if e.Overdue {
			sum.OverdueOrders = append(sum.OverdueOrders, e)
		} else if e.DueSoon {
			sum.DueSoonOrders = append(sum.DueSoonOrders, e)
		}
	}
	return sum, nil
}

// Text renders the summary as a few Chinese lines.
func (d *DailySummary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "差评工单日报（%s）\n", d.Now.Format("2006年01月02日"))
	fmt.Fprintf(&b, "未办结 %d 件，今日新增 %d 件，已超期 %d 件，即将到期 %d 件。\n",
		d.Open, d.NewToday, len(d.OverdueOrders), len(d.DueSoonOrders))
	for _, k := range DueKinds() {
		if d.Overdue[k]+d.DueSoon[k] == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %s：超期 %d，即将到期 %d\n", k.Name(), d.Overdue[k], d.DueSoon[k])
	}
	for _, e := range d.OverdueOrders {
		for _, due := range e.Dues {
			if due.Overdue {
				fmt.Fprintf(&b, "  【超期】工单%d %s %s %s应于%s前完成\n", e.Order.ID, e.ItemName, e.ClerkName,
					due.Kind.Name(), due.Due.Format("01-02"))
			}
		}
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// The clerk's view of their own orders (SZ 25: without the evaluator's data)

// ClerkOrder is what the rated clerk sees of an order about them. It has no
// field for the evaluator's name or phone, and free text is scrubbed of them.
type ClerkOrder struct {
	ID         int64
	CreatedAt  time.Time
	ItemName   string
	Category   OrderCategory
	State      OrderState
	Verdict    Verdict
	Level      Level
	Tags       []string
	Text       string
	ContactDue time.Time
	FinishDue  time.Time
	AppealDue  time.Time
	CanAppeal  bool
	Appeal     *Appeal
	Steps      []ClerkStep
}

// ClerkStep is a step as the clerk sees it: what and when. Details are shown
// only for the clerk's own appeal and its decision, scrubbed.
type ClerkStep struct {
	At     time.Time
	Name   string
	Detail string
}

var phoneLike = regexp.MustCompile(`1[3-9]\d{9}|0\d{2,3}-?\d{7,8}`)

// scrub removes the evaluator's name and any phone number from text.
func scrub(text string, ev Evaluation) string {
	for _, s := range []string{ev.EvaluatorTel, ev.EvaluatorName} {
		if s = strings.TrimSpace(s); s != "" {
			text = strings.ReplaceAll(text, s, "***")
		}
	}
	return phoneLike.ReplaceAllString(text, "***")
}

// MyOrders lists the orders about the signed-in clerk, newest first.
func (s *Service) MyOrders(ctx context.Context, actor *Staff) ([]ClerkOrder, error) {
	if actor == nil || !actor.Active {
		return nil, Refuse("login", "请先登录")
	}
	orders, err := s.st.WorkOrders(ctx, OrderFilter{ClerkID: actor.ID})
	if err != nil {
		return nil, err
	}
	items, err := s.st.Items(ctx)
	if err != nil {
		return nil, err
	}
	itemName := map[string]string{}
	for _, it := range items {
		itemName[it.Code] = it.Name
	}
	now := s.Clock.Now()
	var out []ClerkOrder
	for _, o := range orders {
		if o.ClerkID != actor.ID {
			continue
		}
		ev, err := s.st.Evaluation(ctx, o.EvaluationID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		steps, err := s.st.OrderSteps(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		c := ClerkOrder{ID: o.ID, CreatedAt: o.CreatedAt, ItemName: itemName[o.ItemCode], Category: o.Category,
			State: o.State, Verdict: o.Verdict, Level: ev.Level, Tags: ev.Tags, Text: scrub(ev.Text, ev),
			ContactDue: o.ContactDue, FinishDue: o.FinishDue}
		due, started := s.AppealDue(o, steps)
		if started {
			c.AppealDue = due
		}
		if c.ItemName == "" {
			c.ItemName = o.ItemCode
		}
		if a := appealOf(s.Profile, s.Cal, steps); a != nil {
			a.Evidence, a.Reason = scrub(a.Evidence, ev), scrub(a.Reason, ev)
			c.Appeal = a
		}
		c.CanAppeal = c.Appeal == nil && o.State != OrderClosed && !o.Verdict.Invalid() && (!started || !now.After(c.AppealDue))
		for _, st := range steps {
			cs := ClerkStep{At: st.At, Name: StepName(st.Step)}
			if k := StepKind(st.Step); k == StepAppeal || k == StepAppealDecision {
				cs.Detail = scrub(st.Detail, ev)
			}
			c.Steps = append(c.Steps, cs)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// LedgerChoices are the ledger screen's filter and assignee options.
type LedgerChoices struct {
	Windows []Window
	Staff   []Staff // without PIN hashes: the screen needs names, not secrets
	Items   []ServiceItem
}

// LedgerChoices reads the windows, staff and items the ledger filters by.
// Manager only.
func (s *Service) LedgerChoices(ctx context.Context, actor *Staff) (*LedgerChoices, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	var c LedgerChoices
	var err error
	if c.Windows, err = s.st.Windows(ctx); err != nil {
		return nil, err
	}
	staff, err := s.st.AllStaff(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range staff {
		c.Staff = append(c.Staff, Staff{ID: x.ID, No: x.No, Name: x.Name, Role: x.Role, Active: x.Active})
	}
	if c.Items, err = s.st.Items(ctx); err != nil {
		return nil, err
	}
	return &c, nil
}

// CentreName is the centre's name ("" before it is set up), for titles.
func (s *Service) CentreName(ctx context.Context) (string, error) {
	c, err := s.st.Centre(ctx)
	return c.Name, err
}
