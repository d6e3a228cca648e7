package demo

import (
	"fmt"
	"sort"
	"time"

	"bianmin/app"
)

// orderPlan is the fate the demo gives a work order when it first sees it, as
// steps on working days after the order was opened. Orders opened near the end
// of the period are therefore still early in their loop, as in a real ledger.
type orderPlan struct {
	fate  string
	steps []planStep
	next  int
}

type planStep struct {
	wd       int // working days after creation
	in       app.StepInput
	clerk    bool // recorded by the rated clerk (on-site resolution); else the manager
	followUp bool // after a 误评 verdict the evaluator gives a follow-up rating (SZ 27)
}

var contactTexts = []string{
	"电话联系评价人，说明情况并致歉，评价人表示理解",
	"电话联系评价人，了解差评原因，告知整改措施",
	"上门走访评价人，当面了解诉求",
}

var rectifyTexts = []string{
	"立行立改：对窗口人员进行批评教育，规范服务用语",
	"调整高峰期窗口开放数量，增设临时受理窗口",
	"更新办事指南，补充材料清单并在大厅公示",
	"协调系统运维单位修复故障，补办业务",
	"列入整改台账，修订一次性告知单",
}

func (g *gen) callbackResult() app.CallbackResult {
	switch u := g.r.Float64(); {
	case u < 0.65:
		return app.CallbackSatisfied
	case u < 0.85:
		return app.CallbackBasic
	default:
		return app.CallbackNotSatisfied
	}
}

func (g *gen) planOrder(o app.WorkOrder) *orderPlan {
	pick := func(xs []string) string { return xs[g.r.IntN(len(xs))] }
	contact := func(wd int) planStep {
		return planStep{wd: wd, in: app.StepInput{Kind: app.StepContacted, Detail: pick(contactTexts)}}
	}
	verify := func(wd int, v app.Verdict, why string) planStep {
		return planStep{wd: wd, in: app.StepInput{Kind: app.StepVerified, Verdict: v, Detail: why}}
	}
	rectify := func(wd int) planStep {
		return planStep{wd: wd, in: app.StepInput{Kind: app.StepRectified, Detail: pick(rectifyTexts)}}
	}
	callback := func(wd int) planStep {
		return planStep{wd: wd, in: app.StepInput{Kind: app.StepCalledBack, Callback: g.callbackResult(),
			Detail: "电话回访评价人，听取对整改结果的意见"}}
	}
	closed := func(wd int) planStep {
		return planStep{wd: wd, in: app.StepInput{Kind: app.StepClosed, Detail: "处理结果已反馈评价人并上报县级平台"}}
	}
	r := g.r.IntN(3)
	p := &orderPlan{}
	switch u := g.r.Float64(); {
	case u < 0.18:
		p.fate = "onsite"
		p.steps = []planStep{
			{wd: 0, clerk: true, in: app.StepInput{Kind: app.StepOnSite, Detail: "当场向评价人解释并补办，评价人表示认可"}},
			callback(1 + r), closed(2 + r)}
	case u < 0.50:
		p.fate = "valid"
		p.steps = []planStep{contact(1), verify(2, app.VerdictValid, "经调阅监控、询问当事人，差评属实"),
			rectify(3 + r), callback(5 + r), closed(6 + r + 6*g.r.IntN(2))}
	case u < 0.55:
		p.fate = "extended"
		p.steps = []planStep{contact(1), verify(2, app.VerdictValid, "差评属实，涉及流程调整"),
			{wd: 4, in: app.StepInput{Kind: app.StepExtended, Detail: "需县级部门协调，延期办理，已告知评价人"}},
			rectify(12), callback(13), closed(14)}
	case u < 0.67:
		p.fate = "mistaken"
		p.steps = []planStep{contact(1),
			{wd: 2, followUp: true, in: app.StepInput{Kind: app.StepVerified, Verdict: app.VerdictMistaken,
				Detail: "经调取评价器记录并联系评价人，确认为误按评价键"}},
			closed(3)}
	case u < 0.73:
		p.fate = "malicious"
		p.steps = []planStep{contact(1),
			verify(3, app.VerdictMalicious, "经调阅监控录像，评价人因不符合政策条件故意差评，与服务无关"), closed(3)}
	case u < 0.81:
		p.fate = "contacted" // contacted, then stuck: overdue past the finish deadline
		p.steps = []planStep{contact(1 + r)}
	case u < 0.86:
		p.fate = "verified"
		p.steps = []planStep{contact(1), verify(2, app.VerdictValid, "差评属实")}
	case u < 0.93:
		p.fate = "rectified" // waiting for the call-back
		p.steps = []planStep{contact(1), verify(2, app.VerdictValid, "差评属实"), rectify(4)}
	default:
		p.fate = "neglected" // nobody contacted the evaluator: overdue
	}
	return p
}

// processOrders is the manager's daily round of the bad-review ledger.
func (g *gen) processOrders(day time.Time) error {
	orders, err := g.st.WorkOrders(g.ctx, app.OrderFilter{OpenOnly: true})
	if err != nil {
		return fmt.Errorf("work orders: %w", err)
	}
	sort.Slice(orders, func(i, j int) bool { return orders[i].ID < orders[j].ID })
	for _, o := range orders {
		p := g.ord[o.ID]
		if p == nil {
			p = g.planOrder(o)
			g.ord[o.ID] = p
			g.res.Orders++
		}
		elapsed := g.cal.WorkdaysBetween(o.CreatedAt, day)
		for p.next < len(p.steps) && p.steps[p.next].wd <= elapsed {
			s := p.steps[p.next]
			p.next++
			actor := g.manager
			if s.clerk {
				actor = g.staffByID[o.ClerkID]
				if actor == nil {
					actor = g.manager
				}
			}
			in := s.in
			if in.Kind == app.StepExtended {
				in.NewDue = g.cal.AddWorkdays(o.FinishDue, 7)
			}
			o2, err := g.svc.RecordStep(g.ctx, actor, o.ID, in)
			if err != nil {
				g.anomaly("order %d step %s: %v (%s)", o.ID, in.Kind, err, app.UserMessage(err))
				break
			}
			o = o2
			g.res.OrderSteps++
			if s.followUp && !g.p.Rating.FollowUp.IsZero() {
				g.mistakenFollowUp(o)
			}
		}
	}
	return nil
}

// mistakenFollowUp: the evaluator of a 误评 is guided to a follow-up rating, which then stands (SZ 27).
func (g *gen) mistakenFollowUp(o app.WorkOrder) {
	ev, err := g.st.Evaluation(g.ctx, o.EvaluationID)
	if err != nil {
		g.anomaly("evaluation of order %d: %v", o.ID, err)
		return
	}
	rows, err := g.st.EvaluationsFor(g.ctx, []int64{ev.TransactionID})
	if err != nil {
		g.anomaly("evaluations of tx %d: %v", ev.TransactionID, err)
		return
	}
	for _, e := range rows {
		if e.Kind == app.KindFollowUp {
			return // already followed up once
		}
	}
	if g.followed[ev.TransactionID] {
		return // a follow-up is already on its way
	}
	g.followed[ev.TransactionID] = true
	req := app.RateRequest{TransactionID: ev.TransactionID, FollowUp: true, Level: app.LevelVeryGood,
		Channel: app.ChannelQR, Rater: ev.Rater, EvaluatorName: ev.EvaluatorName, EvaluatorTel: ev.EvaluatorTel,
		Text: "之前误按了不满意，实际办理很顺利"}
	g.attempt(nil, req, "")
}
