package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StepKind names a recorded step of the bad-review loop (GB39735 8.4.2).
type StepKind string

// Steps.
const (
	StepContacted  StepKind = "contacted"  // 联系评价人 (SZ 24/25): the reply counted by 差评回复率
	StepVerified   StepKind = "verified"   // 核实: valid / 误评 / 恶意 (SZ 27)
	StepRectified  StepKind = "rectified"  // 整改: 立行立改 / 台账整改 / 解释说明 (SZ 24)
	StepExtended   StepKind = "extended"   // 延期并告知评价人 (SZ 24)
	StepCalledBack StepKind = "calledback" // 回访 (TA 三.2, SZ 28)
	StepClosed     StepKind = "closed"     // 办结 (SZ 28)
	StepOnSite     StepKind = "onsite"     // 现场化解 (JZ 8.2.1.3): contact + rectification in one record
	StepNotified   StepKind = "notified"   // 通知被评价人 (SZ 25): what the clerk was told, without the evaluator
)

// StepInput is what a person records for one step.
type StepInput struct {
	Kind     StepKind
	Detail   string         // what was done, how, evidence
	Verdict  Verdict        // for StepVerified
	Callback CallbackResult // for StepCalledBack
	NewDue   time.Time      // for StepExtended
}

// RecordStep records a step of a work order: who, when, what. Steps that decide
// the order's fate (verdict, closing) are manager-only; contact, rectification,
// call-back and on-site resolution may be recorded by any signed-in staff.
func (s *Service) RecordStep(ctx context.Context, actor *Staff, orderID int64, in StepInput) (WorkOrder, error) {
	if actor == nil {
		return WorkOrder{}, Refuse("login", "请先登录")
	}
	rule, ok := stepRules[in.Kind]
	if !ok {
		return WorkOrder{}, Refuse("bad_step", "未知的处理步骤：%s", in.Kind)
	}
	if rule.managerOnly {
		if err := RequireManager(actor); err != nil {
			return WorkOrder{}, err
		}
	}
	o, err := s.st.WorkOrder(ctx, orderID)
	if errors.Is(err, ErrNotFound) {
		return o, Refuse("unknown_order", "未找到差评工单 %d", orderID)
	}
	if err != nil {
		return o, err
	}
	if o.State == OrderClosed {
		return o, Refuse("order_closed", "该工单已办结，不能再记录处理步骤")
	}
	now := s.Clock.Now()
	in.Detail = strings.TrimSpace(in.Detail)
	if rule.needDetail != "" && in.Detail == "" {
		return o, Refuse("need_detail", "%s", rule.needDetail)
	}
	if err := rule.apply(s, ctx, &o, &in, now); err != nil {
		return o, err
	}
	step := OrderStep{OrderID: o.ID, StaffID: actor.ID, At: now, Step: string(in.Kind), Detail: in.Detail}
	if err := s.st.UpdateWorkOrder(ctx, o, step); err != nil {
		return o, fmt.Errorf("record step: %w", err)
	}
	return o, nil
}

// stepRule is what one kind of step requires and what it changes.
type stepRule struct {
	managerOnly bool   // steps that decide the order's fate
	needDetail  string // the message when the detail is required and empty
	// apply checks the step against the order and changes o (and the
	// recorded in.Detail); it runs after needDetail is checked.
	apply func(s *Service, ctx context.Context, o *WorkOrder, in *StepInput, now time.Time) error
}

var stepRules = map[StepKind]stepRule{
	StepContacted: {needDetail: "请填写联系方式和结果", apply: func(_ *Service, _ context.Context, o *WorkOrder, _ *StepInput, now time.Time) error {
		if o.RepliedAt.IsZero() {
			o.RepliedAt = now
		}
		if o.State == OrderOpen {
			o.State = OrderContacted
		}
		return nil
	}},
	StepVerified: {managerOnly: true, apply: func(_ *Service, _ context.Context, o *WorkOrder, in *StepInput, _ time.Time) error {
		if in.Verdict != VerdictValid && !in.Verdict.Invalid() {
			return Refuse("need_verdict", "请选择核实结论：有效差评、误评或恶意评价")
		}
		if in.Verdict.Invalid() && in.Detail == "" {
			return Refuse("need_evidence", "认定误评或恶意评价须记录核实依据")
		}
		o.Verdict = in.Verdict
		in.Detail = in.Verdict.Name() + "：" + in.Detail
		return nil
	}},
	StepRectified: {needDetail: "请填写整改情况", apply: func(_ *Service, _ context.Context, o *WorkOrder, _ *StepInput, now time.Time) error {
		o.RectifiedAt = now
		o.State = OrderRectified
		return nil
	}},
	StepExtended: {managerOnly: true, apply: func(_ *Service, _ context.Context, o *WorkOrder, in *StepInput, _ time.Time) error {
		if in.NewDue.IsZero() || !in.NewDue.After(o.FinishDue) {
			return Refuse("bad_due", "延期后的期限应晚于原办结期限")
		}
		if in.Detail == "" {
			return Refuse("need_detail", "请填写延期原因及告知评价人的情况")
		}
		o.FinishDue = in.NewDue
		o.State = OrderRectifying
		return nil
	}},
	StepCalledBack: {apply: func(_ *Service, _ context.Context, o *WorkOrder, in *StepInput, now time.Time) error {
		if in.Callback != CallbackSatisfied && in.Callback != CallbackBasic && in.Callback != CallbackNotSatisfied {
			return Refuse("need_callback", "请选择回访结果：满意、基本满意或不满意")
		}
		if o.RectifiedAt.IsZero() {
			return Refuse("not_rectified", "工单尚未整改，不能回访")
		}
		o.CalledBackAt = now
		o.CallbackResult = in.Callback
		o.State = OrderCalledBack
		in.Detail = string(in.Callback) + " " + in.Detail
		return nil
	}},
	StepOnSite: {needDetail: "请填写现场化解的问题和处理情况", apply: func(_ *Service, _ context.Context, o *WorkOrder, _ *StepInput, now time.Time) error {
		// JZ 8.2.1.3: settled on the spot closes contact and rectification in one record.
		o.OnSite = true
		if o.RepliedAt.IsZero() {
			o.RepliedAt = now
		}
		o.RectifiedAt = now
		o.State = OrderRectified
		return nil
	}},
	StepNotified: {managerOnly: true, needDetail: "请填写告知被评价人的内容和方式", apply: func(s *Service, ctx context.Context, o *WorkOrder, in *StepInput, _ time.Time) error {
		// SZ 25: the clerk is told of the review, not of who gave it.
		if o.EvaluationID != 0 {
			if ev, err := s.st.Evaluation(ctx, o.EvaluationID); err == nil && scrub(in.Detail, ev) != in.Detail {
				return Refuse("evaluator_in_notice", "告知被评价人的内容不能包含评价人的姓名或电话（深圳办法第二十五条）")
			}
		}
		return nil
	}},
	StepClosed: {managerOnly: true, apply: func(_ *Service, _ context.Context, o *WorkOrder, _ *StepInput, now time.Time) error {
		if o.RepliedAt.IsZero() {
			return Refuse("not_replied", "工单尚未联系评价人，不能办结")
		}
		o.ClosedAt = now
		o.State = OrderClosed
		return nil
	}},
}
