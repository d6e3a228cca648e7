package app

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// RateRequest is one rating as it arrives from any channel.
type RateRequest struct {
	TransactionID int64
	Serial        string // used when TransactionID is 0 (paper forms, QR, hotline)
	Visit         int    // 0 = the transaction's current (latest) visit
	Level         Level
	Tags          []string
	Text          string
	Channel       Channel
	Device        string
	Rater         Rater // applicant (default) or agent, for 帮办代办
	EvaluatorName string
	EvaluatorTel  string
	FormNo        string
	RatedAt       time.Time // zero = now; a paper form's date otherwise
	FollowUp      bool      // 追加评价 (SZ 16)
	Corrects      int64     // id of the row this corrects (manager only)
}

// ratingPlan is what PlanRating decided: the rows to store.
type ratingPlan struct {
	rows []Evaluation
}

func newUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// slotTaken finds the active or timeout row already filling (tx, visit).
// Corrected rows still fill their slot: the correction stands in their place.
func slotTaken(existing []Evaluation, txID int64, visit int) *Evaluation {
	for i := range existing {
		e := &existing[i]
		if e.TransactionID == txID && e.Visit == visit && (e.Kind == KindActive || e.Kind == KindTimeout) {
			return e
		}
	}
	return nil
}

// dimensionFor: a rating at the window rates the visit's staff and channel; a
// rating of a theme parent is the overall rating; anything else rates the item.
func dimensionFor(c Channel, theme bool) Dimension {
	switch {
	case theme:
		return DimOverall
	case c == ChannelKeypad || c == ChannelTablet:
		return DimWindow
	}
	return DimItem
}

// checkContent validates the level, channel and reason of a rating.
func checkContent(p *Profile, req *RateRequest) error {
	if err := checkText(append([]string{req.Text, req.EvaluatorName, req.EvaluatorTel, req.FormNo}, req.Tags...)...); err != nil {
		return err
	}
	if !req.Level.Valid() {
		return Refuse("bad_level", "评价等级无效，应为1至5（非常不满意至非常满意）")
	}
	if !req.Channel.Valid() || req.Channel == ChannelSystem {
		return Refuse("bad_channel", "评价渠道无效：%s", req.Channel)
	}
	if req.Rater == "" {
		req.Rater = RaterApplicant
	}
	if req.Rater != RaterApplicant && req.Rater != RaterAgent {
		return Refuse("bad_rater", "评价人只能是申请人或代办人")
	}
	req.Text = strings.TrimSpace(req.Text)
	// SZ 8: a bad review needs a tag or a written reason.
	if p.Rating.BadNeedsWhy && p.IsBad(req.Level) && len(req.Tags) == 0 && req.Text == "" {
		return Refuse(CodeBadNeedsReason, "差评须选择至少一个标签或填写原因")
	}
	return nil
}

// planRating applies the evaluation rules of the profile to a request.
// target is the transaction named; related are those that share its rating
// (RelatedTransactions); existing are the rows already stored for them.
func planRating(p *Profile, cal *Calendar, now time.Time, req RateRequest, target Transaction,
	related []Transaction, existing []Evaluation) (*ratingPlan, error) {
	if err := checkContent(p, &req); err != nil {
		return nil, err
	}
	ratedAt := req.RatedAt
	if ratedAt.IsZero() {
		ratedAt = now
	}
	if ratedAt.After(now.Add(5 * time.Minute)) {
		return nil, Refuse("future", "评价时间不能晚于当前时间")
	}
	if req.FollowUp {
		return planFollowUp(p, cal, req, ratedAt, target, existing)
	}
	if req.Channel == ChannelCallback {
		// A call that reaches the person while the visit is still open to
		// rating is that visit's rating, like any other channel; a call about
		// a visit already rated, or long closed (the quarterly sample), is a
		// separate overall rating.
		plan, err := planVisits(p, cal, req, ratedAt, target, related, existing)
		switch ErrorCode(err) {
		case CodeAlreadyRated, "window_closed", "timed_out":
			return planCallback(req, ratedAt, target, related, existing)
		}
		return plan, err
	}
	return planVisits(p, cal, req, ratedAt, target, related, existing)
}

// planVisits rates the visit named (or the current one) of the transactions
// the rating covers: one rating per visit, within the profile's window.
func planVisits(p *Profile, cal *Calendar, req RateRequest, ratedAt time.Time, target Transaction,
	related []Transaction, existing []Evaluation) (*ratingPlan, error) {
	targets := ratingTargets(target, related)
	if len(targets) == 0 {
		return nil, Refuse("empty_theme", "该主题业务没有关联事项，无法评价")
	}

	event := newUID()
	plan := &ratingPlan{}
	for _, tx := range targets {
		visit := req.Visit
		if visit == 0 || tx.ID != target.ID {
			visit = tx.Visits
		}
		if visit <= 0 || visit > tx.Visits {
			return nil, Refuse("no_visit", "办件 %s 尚未在窗口办理，不能评价", tx.Serial)
		}
		if taken := slotTaken(existing, tx.ID, visit); taken != nil {
			return nil, alreadyRated(tx, taken)
		}
		// GB39734 7.2.2 / SZ 15 / TA 二.4: after completion the person has the
		// profile's window to rate; after it the rating is 未评 or the default.
		if tx.Status.Finished() && visit == tx.Visits {
			due := cal.Deadline(tx.CompletedAt, p.Rating.Window)
			if ratedAt.After(due) {
				return nil, Refuse("window_closed", "办件 %s 已超过评价时限（办结后%s，截至%s），不能再评价",
					tx.Serial, p.Rating.Window.Chinese(), due.Format("2006-01-02 15:04"))
			}
		}
		plan.rows = append(plan.rows, Evaluation{
			EventID: event, TransactionID: tx.ID, Visit: visit,
			Dimension: dimensionFor(req.Channel, target.IsTheme),
			Level:     req.Level, Tags: req.Tags, Text: req.Text, Channel: req.Channel, Device: req.Device,
			Kind: KindActive, Rater: req.Rater, EvaluatorName: req.EvaluatorName, EvaluatorTel: req.EvaluatorTel,
			FormNo: req.FormNo, WindowID: tx.WindowID, ClerkID: tx.ClerkID, ItemCode: tx.ItemCode, RatedAt: ratedAt,
		})
	}
	return plan, nil
}

// planCallback: TA 二.5 办件随机抽评 phones people weeks after completion, so
// the rating window does not apply; when the visit is rated or closed the
// answer is a separate overall rating (visit 0, which no window rating
// uses), once per transaction, for everything the transaction's rating
// covers (batch, theme).
func planCallback(req RateRequest, ratedAt time.Time, target Transaction, related []Transaction,
	existing []Evaluation) (*ratingPlan, error) {
	targets := ratingTargets(target, related)
	if len(targets) == 0 {
		return nil, Refuse("empty_theme", "该主题业务没有关联事项，无法评价")
	}
	event := newUID()
	plan := &ratingPlan{}
	for _, tx := range targets {
		if !tx.Status.Finished() {
			return nil, Refuse("not_finished", "办件 %s 尚未办结，不能电话回访", tx.Serial)
		}
		if e := callbackRow(existing, tx.ID); e != nil {
			return nil, Refuse("callback_twice", "办件 %s 已电话回访过（%s，%s），不能重复记录",
				tx.Serial, e.Level.Name(), e.RatedAt.Format("2006-01-02"))
		}
		plan.rows = append(plan.rows, Evaluation{
			EventID: event, TransactionID: tx.ID, Visit: 0, Dimension: DimOverall,
			Level: req.Level, Tags: req.Tags, Text: req.Text, Channel: ChannelCallback, Device: req.Device,
			Kind: KindActive, Rater: req.Rater, EvaluatorName: req.EvaluatorName, EvaluatorTel: req.EvaluatorTel,
			WindowID: tx.WindowID, ClerkID: tx.ClerkID, ItemCode: tx.ItemCode, RatedAt: ratedAt,
		})
	}
	return plan, nil
}

// callbackRow is tx's stored call-back answer, if any.
func callbackRow(existing []Evaluation, txID int64) *Evaluation {
	for i := range existing {
		e := &existing[i]
		if e.TransactionID == txID && e.Channel == ChannelCallback && e.Kind == KindActive && e.CorrectsID == 0 {
			return e
		}
	}
	return nil
}

// ratingTargets is who a rating of target applies to: a theme's overall rating
// covers every linked item (GB39734 7.1.3); a batch's one rating covers every
// declaration (7.1.2); otherwise the transaction itself. related comes from
// Store.RelatedTransactions.
func ratingTargets(target Transaction, related []Transaction) []Transaction {
	var out []Transaction
	switch {
	case target.IsTheme:
		for _, t := range related {
			if t.ThemeParentID == target.ID {
				out = append(out, t)
			}
		}
	case target.BatchID != "":
		for _, t := range related {
			if t.BatchID == target.BatchID {
				out = append(out, t)
			}
		}
	default:
		out = []Transaction{target}
	}
	return out
}

// alreadyRated explains why a slot is taken.
func alreadyRated(tx Transaction, e *Evaluation) error {
	switch {
	case e.Kind == KindTimeout:
		// Its own code: the visit is settled (a timeout row stands), which a
		// caller treats differently from a rating that merely came too late.
		return Refuse("timed_out", "办件 %s 已超过评价时限，系统已记为%s", tx.Serial, timeoutName(e.Level))
	case tx.AgentName != "":
		// SZ 14: 帮办代办 is rated once, by either the agent or the applicant.
		who := "申请人"
		if e.Rater == RaterAgent {
			who = "代办人"
		}
		return Refuse(CodeAlreadyRated, "办件 %s 已由%s评价（%s），帮办代办业务只评价一次", tx.Serial, who, e.Level.Name())
	}
	return Refuse(CodeAlreadyRated, "办件 %s 本次办理已评价（%s，%s），同一次办理只能评价一次",
		tx.Serial, e.Level.Name(), e.RatedAt.Format("01-02 15:04"))
}

func timeoutName(l Level) string {
	if l.Valid() {
		return "默认“" + l.Name() + "”"
	}
	return "“未评”"
}

// planFollowUp: SZ 16, once, overall only, within the profile's days of the rating.
func planFollowUp(p *Profile, cal *Calendar, req RateRequest, ratedAt time.Time, target Transaction,
	existing []Evaluation) (*ratingPlan, error) {
	if p.Rating.FollowUp.IsZero() {
		return nil, Refuse("no_followup", "当前评价规则（%s）不设追加评价", p.Title)
	}
	var first *Evaluation
	for i := range existing {
		e := &existing[i]
		if e.TransactionID != target.ID {
			continue
		}
		if e.Kind == KindFollowUp {
			return nil, Refuse("followup_twice", "办件 %s 已追加评价过，只能追加一次", target.Serial)
		}
		if e.Kind == KindActive && (first == nil || e.RatedAt.Before(first.RatedAt)) {
			first = e
		}
	}
	if first == nil {
		return nil, Refuse("followup_no_rating", "办件 %s 尚无主动评价，不能追加评价", target.Serial)
	}
	if due := cal.Deadline(first.RatedAt, p.Rating.FollowUp); ratedAt.After(due) {
		return nil, Refuse("followup_late", "已超过追加评价时限（评价后%s）", p.Rating.FollowUp.Chinese())
	}
	return &ratingPlan{rows: []Evaluation{{
		EventID: newUID(), TransactionID: target.ID, Visit: first.Visit, Dimension: DimOverall,
		Level: req.Level, Tags: req.Tags, Text: req.Text, Channel: req.Channel, Device: req.Device,
		Kind: KindFollowUp, Rater: req.Rater, EvaluatorName: req.EvaluatorName, EvaluatorTel: req.EvaluatorTel,
		FormNo: req.FormNo, WindowID: target.WindowID, ClerkID: target.ClerkID, ItemCode: target.ItemCode,
		RatedAt: ratedAt,
	}}}, nil
}

// timeoutRow is what the rules record when the rating window of a finished
// transaction passes without a rating: 未评 (GB39734 7.2.2) or the profile's
// default level (SZ 15 非常满意, TA 满意), never counted as 主动评价.
func timeoutRow(p *Profile, tx Transaction, due time.Time) Evaluation {
	lvl := LevelNone
	if p.Rating.AfterWindow == "default" {
		lvl = p.Rating.DefaultLevel
	}
	return Evaluation{
		EventID: newUID(), TransactionID: tx.ID, Visit: tx.Visits, Dimension: DimItem, Level: lvl,
		Channel: ChannelSystem, Kind: KindTimeout, WindowID: tx.WindowID, ClerkID: tx.ClerkID,
		ItemCode: tx.ItemCode, RatedAt: due,
	}
}
