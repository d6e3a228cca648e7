package app

import "time"

// relaySkew is how far a counter PC's clock may run ahead of the hub's
// before its ratings are refused as coming from the future.
const relaySkew = 10 * time.Minute

// VetRelayed judges a rating that a counter PC forwards to the hub (sync/relay)
// by the rules a rating made at the hub meets, for tx as the hub holds it.
// Only what a counter produces may come that way: a rating at the window
// (评价器, 平板, 自助终端), its 追加评价, and the system's 超时 row. Everything
// a manager enters (更正, 书面评价表, 热线, 回访) is entered at the hub, where
// it is manager-only and audited (SZ 27), so a counter's credential cannot
// turn a bad review into a good one or backdate a form. One rating per visit
// is checked by the importer against the hub's rows (storage.ImportRecords).
//
// The row's window, clerk and item are the transaction's, as Rate records
// them; a row naming others is refused rather than repaired, since only a
// forged or broken counter sends one.
func (s *Service) VetRelayed(e Evaluation, tx Transaction) error {
	if e.CorrectsID != 0 {
		return Refuse("relay_correction", "更正评价只能由中心负责人在中心主机上操作（须填写原因并记入操作日志），窗口电脑报来的更正未导入")
	}
	switch e.Kind {
	case KindActive, KindFollowUp, KindTimeout:
	default:
		return Refuse("relay_kind", "评价记录类型无效：%s", e.Kind)
	}
	if err := s.vetRelayedChannel(e); err != nil {
		return err
	}
	if e.WindowID != tx.WindowID || e.ClerkID != tx.ClerkID || e.ItemCode != tx.ItemCode {
		return Refuse("relay_mismatch", "评价记录的窗口、工作人员或事项与办件 %s 不一致，未导入", tx.Serial)
	}
	if e.Visit < 1 || e.Visit > tx.Visits {
		return Refuse("no_visit", "办件 %s 没有第%d次办理，评价未导入", tx.Serial, e.Visit)
	}
	now := s.Clock.Now()
	at := e.RatedAt
	switch {
	case at.IsZero():
		return Refuse("relay_time", "评价记录缺少评价时间")
	case at.After(now.Add(relaySkew)):
		return Refuse("future", "评价时间（%s）晚于中心主机当前时间，请核对窗口电脑的时钟", at.Format("2006-01-02 15:04"))
	case !tx.CreatedAt.IsZero() && at.Before(tx.CreatedAt.Add(-relaySkew)):
		return Refuse("relay_backdated", "评价时间（%s）早于办件 %s 的登记时间（%s），未导入",
			at.Format("2006-01-02 15:04"), tx.Serial, tx.CreatedAt.Format("2006-01-02 15:04"))
	}
	return s.vetRelayedKind(e, tx, at)
}

// vetRelayedChannel checks the channel against the kind: a 超时 row is the
// system's, a rating one of the window's own channels, with valid content.
func (s *Service) vetRelayedChannel(e Evaluation) error {
	if e.Kind == KindTimeout {
		if e.Channel != ChannelSystem {
			return Refuse("relay_channel", "超时未评记录的渠道无效：%s", e.Channel)
		}
		return nil
	}
	switch e.Channel {
	case ChannelKeypad, ChannelTablet, ChannelSelfService:
	case ChannelPaper, ChannelHotline, ChannelSMS, ChannelBook, ChannelCallback:
		return Refuse("relay_channel", "“%s”只能由中心负责人在中心主机录入，窗口电脑报来的这条评价未导入", e.Channel.Name())
	default:
		return Refuse("relay_channel", "窗口电脑不能报送“%s”渠道的评价", e.Channel.Name())
	}
	req := RateRequest{Level: e.Level, Tags: e.Tags, Text: e.Text, Channel: e.Channel, Rater: e.Rater}
	if err := checkContent(s.Profile, &req); err != nil {
		return err
	}
	if e.FormNo != "" {
		return Refuse("relay_form", "窗口评价不应带有评价表号（%s），书面评价表请在中心主机录入", e.FormNo)
	}
	return nil
}

// vetRelayedKind checks what each kind must meet at time at: a 超时 row only
// after the rating window, of the profile's level; a rating within it, of
// its channel's dimension; a 追加评价 only where the profile has them.
func (s *Service) vetRelayedKind(e Evaluation, tx Transaction, at time.Time) error {
	switch e.Kind {
	case KindTimeout:
		if !tx.Status.Finished() || e.Visit != tx.Visits {
			return Refuse("relay_timeout", "办件 %s 尚未办结，不会超时未评，记录未导入", tx.Serial)
		}
		if want := timeoutRow(s.Profile, tx, at).Level; e.Level != want {
			return Refuse("relay_timeout", "超时记录的等级与评价规则（%s）不符，未导入", s.Profile.Title)
		}
		if due := s.Cal.Deadline(tx.CompletedAt, s.Profile.Rating.Window); at.Before(due.Add(-relaySkew)) {
			return Refuse("relay_timeout", "办件 %s 的评价时限（%s）未到，不能记为超时未评",
				tx.Serial, due.Format("2006-01-02 15:04"))
		}
	case KindActive:
		// A theme's one rating is stored on each linked item as 总体评价.
		theme := tx.ThemeParentID != 0 && e.Dimension == DimOverall
		if want := dimensionFor(e.Channel, tx.IsTheme); e.Dimension != want && !theme {
			return Refuse("relay_dimension", "评价维度（%s）与渠道不符，未导入", e.Dimension.Name())
		}
		if tx.Status.Finished() && e.Visit == tx.Visits {
			if due := s.Cal.Deadline(tx.CompletedAt, s.Profile.Rating.Window); at.After(due.Add(relaySkew)) {
				return Refuse("window_closed", "办件 %s 已超过评价时限（截至%s），不能再评价",
					tx.Serial, due.Format("2006-01-02 15:04"))
			}
		}
	case KindFollowUp:
		if s.Profile.Rating.FollowUp.IsZero() {
			return Refuse("no_followup", "当前评价规则（%s）不设追加评价", s.Profile.Title)
		}
	}
	return nil
}
