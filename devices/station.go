package devices

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"bianmin/app"
	"bianmin/devices/keypad"
)

// Rater is the part of app.Service a keypad station needs.
type Rater interface {
	Rate(ctx context.Context, actor *app.Staff, req app.RateRequest) ([]app.Evaluation, error)
}

// Auditor records keypad events that are not ratings (timeouts, stray keys,
// results for another transaction) for the manager to review.
type Auditor interface {
	AddAudit(ctx context.Context, a app.AuditEntry) error
}

// Pending is the transaction a window's keypad is asked to rate.
type Pending struct {
	TxID      int64
	Serial    string
	ClerkNo   string
	ClerkName string
	Since     time.Time
}

// Outcome is what became of a keypad reading, for the clerk's screen.
type Outcome struct {
	Serial  string
	Level   app.Level
	Stored  bool
	Message string // Chinese
}

// Station is one window's keypad: it turns keypad readings into evaluations
// through app/ (so the rules decide), one per visit. A reading with no rating
// pending is logged and audited, never stored.
type Station struct {
	Device  string // e.g. "3号窗口评价器"
	Rater   Rater
	Audit   Auditor
	Clock   app.Clock
	Log     *slog.Logger
	BadTags []string // the profile's bad-review tags: reason key n → BadTags[n-1]
	// ReasonWait is how long an ascii keypad waits for reason keys after a
	// 1- or 2-star key before the rating is stored without them.
	ReasonWait time.Duration
	OnOutcome  func(Outcome)

	mu      sync.Mutex
	pending *Pending
	ascii   *asciiRating
}

type asciiRating struct {
	stars   byte
	reasons []byte
	timer   *time.Timer
}

// SetPending records which transaction the keypad is rating (the clerk
// completed it); the caller then sends START_RATING on a frame keypad.
func (s *Station) SetPending(p Pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = &p
	s.cancelASCII()
}

// ClearPending withdraws the request (the clerk called the next ticket).
func (s *Station) ClearPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = nil
	s.cancelASCII()
}

// PendingTx returns the pending transaction, if any.
func (s *Station) PendingTx() *Pending {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		return nil
	}
	p := *s.pending
	return &p
}

func (s *Station) cancelASCII() {
	if s.ascii != nil && s.ascii.timer != nil {
		s.ascii.timer.Stop()
	}
	s.ascii = nil
}

// HandleReading processes a frame keypad's reading.
func (s *Station) HandleReading(ctx context.Context, r keypad.Reading) {
	s.mu.Lock()
	p := s.pending
	s.mu.Unlock()
	switch r.Kind {
	case keypad.ReadingKey:
		s.audit(ctx, "keypad_stray_key", fmt.Sprintf("%d星（未发起评价时按键，未记录为评价）", r.Stars))
	case keypad.ReadingTimeout:
		s.audit(ctx, "keypad_timeout", fmt.Sprintf("办件 %s 评价器超时未评价", r.Txn))
		if p != nil && p.Serial == r.Txn {
			s.ClearPending()
		}
		s.outcome(Outcome{Serial: r.Txn, Message: "评价器超时，办事人未评价（可扫码或填写评价表补评）"})
	case keypad.ReadingResult:
		if p == nil || p.Serial != r.Txn {
			// Acknowledged by the link, kept for the manager, not attached to a transaction.
			s.audit(ctx, "keypad_unmatched_result", fmt.Sprintf("办件 %s %d星 原因%v（与当前待评价办件不符）", r.Txn, r.Stars, r.Reasons))
			return
		}
		s.rate(ctx, *p, r.Stars, r.Reasons)
	}
}

// HandleASCII processes the keys of an ascii keypad, which carries no
// transaction number: the pending transaction is the one rated.
func (s *Station) HandleASCII(ctx context.Context, keys []keypad.ASCIIKey) {
	for _, k := range keys {
		s.mu.Lock()
		p := s.pending
		if k.Reason != 0 {
			if s.ascii != nil {
				s.ascii.reasons = append(s.ascii.reasons, k.Reason)
			}
			s.mu.Unlock()
			continue
		}
		if p == nil {
			s.mu.Unlock()
			s.audit(ctx, "keypad_stray_key", fmt.Sprintf("%d星（未发起评价时按键，未记录为评价）", k.Stars))
			continue
		}
		if s.ascii != nil {
			s.mu.Unlock()
			continue // one rating per visit: later keys while collecting reasons are ignored
		}
		if k.Stars >= 3 {
			s.mu.Unlock()
			s.rate(ctx, *p, k.Stars, nil)
			continue
		}
		a := &asciiRating{stars: k.Stars}
		s.ascii = a
		wait := s.ReasonWait
		if wait == 0 {
			wait = 8 * time.Second
		}
		pp := *p
		a.timer = time.AfterFunc(wait, func() {
			s.mu.Lock()
			if s.ascii != a {
				s.mu.Unlock()
				return
			}
			reasons := append([]byte(nil), a.reasons...)
			s.ascii = nil
			s.mu.Unlock()
			s.rate(context.WithoutCancel(ctx), pp, a.stars, reasons)
		})
		s.mu.Unlock()
	}
}

// rate stores the rating through app/ and clears the pending request.
func (s *Station) rate(ctx context.Context, p Pending, stars byte, reasons []byte) {
	var tags []string
	for _, c := range reasons {
		if int(c) >= 1 && int(c) <= len(s.BadTags) {
			tags = append(tags, s.BadTags[c-1])
		} else {
			tags = append(tags, fmt.Sprintf("原因键%d", c))
		}
	}
	req := app.RateRequest{TransactionID: p.TxID, Level: app.Level(stars), Tags: tags,
		Channel: app.ChannelKeypad, Device: s.Device}
	if stars <= 2 && len(tags) == 0 {
		// A bad rating must not be lost because the person pressed no reason key:
		// store it, and say truthfully that no reason was chosen (SZ 8 asks for one).
		req.Text = "（评价人未选择差评原因）"
	}
	rows, err := s.Rater.Rate(ctx, nil, req)
	if err != nil {
		s.log().Info("keypad rating not stored", "serial", p.Serial, "stars", stars, "err", err)
		s.outcome(Outcome{Serial: p.Serial, Level: app.Level(stars), Message: app.UserMessage(err)})
		if app.ErrorCode(err) == app.CodeAlreadyRated {
			s.ClearPending()
		}
		return
	}
	s.mu.Lock()
	if s.pending != nil && s.pending.TxID == p.TxID {
		s.pending = nil
	}
	s.mu.Unlock()
	s.log().Info("keypad rating stored", "serial", p.Serial, "stars", stars, "rows", len(rows))
	s.outcome(Outcome{Serial: p.Serial, Level: app.Level(stars), Stored: true,
		Message: fmt.Sprintf("办件 %s 已评价：%s", p.Serial, app.Level(stars).Name())})
}

func (s *Station) audit(ctx context.Context, action, detail string) {
	s.log().Info("keypad event", "action", action, "detail", detail)
	if s.Audit != nil {
		var at time.Time
		if s.Clock != nil {
			at = s.Clock.Now()
		}
		if err := s.Audit.AddAudit(ctx, app.AuditEntry{At: at, Action: action, Detail: s.Device + " " + strings.TrimSpace(detail)}); err != nil {
			s.log().Warn("audit failed", "err", err)
		}
	}
}

func (s *Station) outcome(o Outcome) {
	if s.OnOutcome != nil {
		s.OnOutcome(o)
	}
}

func (s *Station) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
