package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// PaperFormInfo is what the paper-form entry screen shows once a 流水号 is
// scanned: the transaction, its window and clerk, the rating window, and the
// rating already stored for the visit, if any.
type PaperFormInfo struct {
	Tx         Transaction
	ItemName   string
	WindowNo   int // 0 when the window is unknown
	WindowName string
	ClerkNo    string // 工号 only; the clerk's name is not shown to the form's reader
	// Due is when the rating window closes (zero while not finished).
	Due time.Time
	// Rated is the row already filling the visit (active or timeout), nil when
	// none; RatedMsg explains it in Chinese, as Rate would refuse it.
	Rated    *Evaluation
	RatedMsg string
}

// PaperForm is one 书面评价表 as the manager types it in.
type PaperForm struct {
	// Channel is how the rating reached the manager: ChannelPaper (the
	// default) or another channel the manager records: 12345 hotline and SMS
	// ratings passed down, the suggestion book or box, a phone call-back.
	// For those FormNo is the source's reference (a hotline ticket number,
	// a book page), optional; for a paper form it is required.
	Channel       Channel
	Serial        string
	Level         Level
	Tags          []string
	Text          string
	FormNo        string
	Date          time.Time // the date written on the form; zero = today
	EvaluatorName string
	EvaluatorTel  string
}

// formNoPattern is the form number bianmin prints (cli forms): F20261125-00001.
// The QR of a blank form encodes it.
var formNoPattern = regexp.MustCompile(`^F\d{8}-\d{5}$`)

// IsFormNo reports whether s looks like a printed form number rather than a
// 流水号 (a blank form's QR code scanned into the 流水号 field).
func IsFormNo(s string) bool { return formNoPattern.MatchString(strings.TrimSpace(s)) }

// PaperFormContext looks up the transaction of a form by 流水号. Manager only.
func (s *Service) PaperFormContext(ctx context.Context, actor *Staff, serial string) (*PaperFormInfo, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	tx, err := s.findTx(ctx, 0, serial)
	if err != nil {
		return nil, err
	}
	info := &PaperFormInfo{Tx: tx, ItemName: tx.ItemName}
	if info.ItemName == "" {
		info.ItemName = tx.ItemCode
	}
	if tx.WindowID != 0 {
		ws, err := s.st.Windows(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if w.ID == tx.WindowID {
				info.WindowNo, info.WindowName = w.Number, w.Name
			}
		}
	}
	if tx.ClerkID != 0 {
		st, err := s.st.StaffByID(ctx, tx.ClerkID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		info.ClerkNo = st.No
	}
	if tx.Status.Finished() && !tx.CompletedAt.IsZero() {
		info.Due = s.Cal.Deadline(tx.CompletedAt, s.Profile.Rating.Window)
	}
	related, existing, err := s.ratingContext(ctx, tx)
	if err != nil {
		return nil, err
	}
	// The slots a rating of tx fills, as planRating chooses them.
	for _, t := range ratingTargets(tx, related) {
		if taken := slotTaken(existing, t.ID, t.Visits); taken != nil {
			e := *taken
			info.Rated = &e
			info.RatedMsg = UserMessage(alreadyRated(t, taken))
			if e.Kind == KindActive {
				info.RatedMsg += "（渠道：" + e.Channel.Name()
				if e.FormNo != "" {
					info.RatedMsg += "，表号 " + e.FormNo
				}
				info.RatedMsg += "）"
			}
			break
		}
	}
	return info, nil
}

// EnterPaperForm stores a 书面评价表 as a rating with channel paper, entered
// by actor (manager only). The form's date is the rating time: today means
// now; an earlier date means that day (not before the transaction finished).
// Besides Rate's refusals it refuses a missing form number (no_form_no), a
// form number entered before (form_entered) and a date in the future or
// before the transaction (form_date).
func (s *Service) EnterPaperForm(ctx context.Context, actor *Staff, f PaperForm) ([]Evaluation, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	f.FormNo = strings.TrimSpace(f.FormNo)
	if f.Channel == "" {
		f.Channel = ChannelPaper
	}
	if !ManagerChannel(f.Channel) {
		return nil, Refuse("bad_channel", "此处只能录入书面评价表、12345热线、短信、意见簿/意见箱和电话回访的评价")
	}
	tx, err := s.findTx(ctx, 0, f.Serial)
	if err != nil {
		return nil, err
	}
	if f.FormNo == "" && f.Channel == ChannelPaper {
		return nil, Refuse("no_form_no", "请输入评价表上的表号")
	}
	ratedAt, err := s.paperRatedAt(tx, f.Date)
	if err != nil {
		return nil, err
	}
	rows, err := s.Rate(ctx, actor, RateRequest{Serial: tx.Serial, Level: f.Level, Tags: f.Tags, Text: f.Text,
		Channel: f.Channel, FormNo: f.FormNo, RatedAt: ratedAt,
		EvaluatorName: strings.TrimSpace(f.EvaluatorName), EvaluatorTel: strings.TrimSpace(f.EvaluatorTel)})
	switch {
	case err == nil:
		return rows, nil
	case ErrorCode(err) == "form_entered" && f.Channel != ChannelPaper:
		return nil, &UserError{Code: "form_entered",
			Msg: fmt.Sprintf("来源编号 %s 已录入过，同一条评价不能录入两次，请核对编号", f.FormNo), Err: err}
	case ErrorCode(err) == "form_entered":
		return nil, &UserError{Code: "form_entered",
			Msg: fmt.Sprintf("该表号已录入（%s），同一张评价表不能录入两次，请核对表号", f.FormNo), Err: err}
	case ErrorCode(err) == "window_closed":
		var ue *UserError
		errors.As(err, &ue)
		lvl := LevelNone
		if s.Profile.Rating.AfterWindow == "default" {
			lvl = s.Profile.Rating.DefaultLevel
		}
		return nil, &UserError{Code: ue.Code, Err: ue.Err, Msg: fmt.Sprintf(
			"%s。按评价规则（%s），超过时限的办件记为%s，这张评价表不能计入评价", ue.Msg, s.Profile.Title, timeoutName(lvl))}
	}
	return nil, err
}

// paperRatedAt turns the date on a form into the rating time.
func (s *Service) paperRatedAt(tx Transaction, date time.Time) (time.Time, error) {
	if date.IsZero() {
		return time.Time{}, nil
	}
	now := s.Clock.Now()
	loc := now.Location()
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	d, today := day(date), day(now)
	switch {
	case d.After(today):
		return time.Time{}, Refuse("form_date", "表上日期 %s 晚于今天，请核对", d.Format("2006-01-02"))
	case d.Equal(today):
		return time.Time{}, nil // now
	}
	start := tx.CreatedAt
	if !tx.CompletedAt.IsZero() {
		start = tx.CompletedAt
	}
	if !start.IsZero() && d.Before(day(tx.CreatedAt)) {
		return time.Time{}, Refuse("form_date", "表上日期 %s 早于办件受理日期 %s，请核对",
			d.Format("2006-01-02"), day(tx.CreatedAt).Format("2006-01-02"))
	}
	// The form does not say the hour: the earliest moment of that day the
	// rating can have been made, so a form dated the last day of the window counts.
	if !start.IsZero() && d.Equal(day(start)) && start.After(d) {
		return start, nil
	}
	if !tx.CreatedAt.IsZero() && d.Equal(day(tx.CreatedAt)) && tx.CreatedAt.After(d) {
		return tx.CreatedAt, nil
	}
	return d, nil
}

// ManagerChannels are the channels whose ratings a manager enters: paper
// forms, and the ratings other channels pass on (GB/T 39734 6.1; TA 一室一窗一本,
// 办件随机抽评).
func ManagerChannels() []Channel {
	return []Channel{ChannelPaper, ChannelHotline, ChannelSMS, ChannelBook, ChannelCallback}
}

// ManagerChannel reports whether c is one of ManagerChannels.
func ManagerChannel(c Channel) bool {
	for _, m := range ManagerChannels() {
		if m == c {
			return true
		}
	}
	return false
}
