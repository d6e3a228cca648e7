package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
)

// LowRankRules are the rules of SZ 30 “对服务评价连续三月排名靠后的工作人员限期整改”. The
// rules name no cut-off, so "靠后" is the bottom Bottom clerks of a month
// among those with at least MinRatings window ratings (a clerk rated twice
// is not ranked), by the SZ 20 score where the profile scores, else by 好评率.
type LowRankRules struct {
	Months     int // consecutive complete months (SZ 30: 3)
	Bottom     int // the lowest this many clerks of a month
	MinRatings int // ratings a clerk needs in a month to be ranked
}

// DefaultLowRankRules are three months, the single lowest clerk, 10 ratings.
var DefaultLowRankRules = LowRankRules{Months: 3, Bottom: 1, MinRatings: 10}

// LowRankedClerk is a clerk ranked among the lowest every month of the run.
type LowRankedClerk struct {
	StaffID  int64
	No, Name string
	Months   []string  // "2026-08", oldest first
	Values   []float64 // the clerk's score (or 好评率 in %) each month
	Ranks    []int     // 1 = lowest
	Ranked   []int     // clerks ranked that month
	Measure  string    // "得分" or "好评率"
}

// LowRanked lists the clerks ranked among the lowest in each of the last
// r.Months complete months before now. Manager only.
func (s *Service) LowRanked(ctx context.Context, actor *Staff, r LowRankRules) ([]LowRankedClerk, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	if r.Months <= 0 || r.Bottom <= 0 {
		return nil, nil
	}
	now := s.Clock.Now().In(ChinaTime)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, ChinaTime).AddDate(0, -r.Months, 0)
	type hit struct {
		rank, ranked int
		value        float64
	}
	hits := map[int64][]hit{}
	labels := map[int64]string{}
	measure := "好评率"
	var months []string
	for m := 0; m < r.Months; m++ {
		from := first.AddDate(0, m, 0)
		months = append(months, from.Format("2006-01"))
		st, err := s.Stats(ctx, from, from.AddDate(0, 1, 0), ByClerk)
		if err != nil {
			return nil, err
		}
		type row struct {
			id    int64
			value float64
		}
		var rows []row
		for _, g := range st.Groups {
			var id int64
			if _, err := fmt.Sscan(g.Key, &id); err != nil || id == 0 || g.Active < r.MinRatings {
				continue
			}
			v := g.GoodRate
			if g.Score != nil {
				v, measure = g.Score, "得分"
			}
			if v == nil {
				continue
			}
			val := *v
			if g.Score == nil {
				val *= 100
			}
			rows = append(rows, row{id, val})
			labels[id] = g.Label
		}
		// Lowest first; ties broken by ID so the list is stable.
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].value != rows[j].value {
				return rows[i].value < rows[j].value
			}
			return rows[i].id < rows[j].id
		})
		for i, x := range rows {
			// A clerk tied with the last one inside the cut-off is as low.
			if i >= r.Bottom && x.value > rows[r.Bottom-1].value {
				break
			}
			hits[x.id] = append(hits[x.id], hit{rank: i + 1, ranked: len(rows), value: x.value})
		}
		// Only clerks low in every month so far can still qualify.
		for id, h := range hits {
			if len(h) != m+1 {
				delete(hits, id)
			}
		}
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	var out []LowRankedClerk
	for id, h := range hits {
		c := LowRankedClerk{StaffID: id, No: n.staff[id].No, Name: n.person(id), Months: months, Measure: measure}
		if c.Name == "" {
			c.Name = labels[id]
		}
		for _, x := range h {
			c.Values = append(c.Values, x.value)
			c.Ranks = append(c.Ranks, x.rank)
			c.Ranked = append(c.Ranked, x.ranked)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b LowRankedClerk) int { return int(a.StaffID - b.StaffID) })
	return out, nil
}

// SuspiciousRules say what makes a run of good ratings at one window look made
// up. A rating with a real transaction behind it follows a queue ticket and
// some minutes of handling; one whose transaction was registered and
// completed within Quick, with no ticket, at a window rated good again and
// again within Span, deserves the manager's look (it is not a verdict).
type SuspiciousRules struct {
	Quick time.Duration // registered → completed faster than this
	Span  time.Duration // the run's length
	Count int           // good ratings in the run
	Days  int           // look back this many days
}

// DefaultSuspiciousRules are 5 good ratings within 30 minutes, each of a
// ticketless transaction handled in under a minute, over the last 30 days.
var DefaultSuspiciousRules = SuspiciousRules{Quick: time.Minute, Span: 30 * time.Minute, Count: 5, Days: 30}

// SuspiciousRun is one such run at one window.
type SuspiciousRun struct {
	WindowID   int64
	Window     int // 窗口号
	ClerkNames []string
	Count      int
	From, To   time.Time
	Serials    []string
}

// Suspicious finds runs of good ratings of ticketless, instantly completed
// transactions at one window. Manager only.
func (s *Service) Suspicious(ctx context.Context, actor *Staff, r SuspiciousRules) ([]SuspiciousRun, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	evs, err := s.st.EvalFacts(ctx, now.AddDate(0, 0, -r.Days), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	type rated struct {
		at time.Time
		tx Transaction
	}
	byWindow := map[int64][]rated{}
	txCache := map[int64]*Transaction{}
	for _, e := range evs {
		if e.Kind != KindActive || e.Dimension != DimWindow || !s.Profile.IsGood(e.Level) {
			continue
		}
		tx, ok := txCache[e.TransactionID]
		if !ok {
			t, err := s.st.Transaction(ctx, e.TransactionID)
			if err != nil {
				return nil, err
			}
			tx = &t
			txCache[e.TransactionID] = tx
		}
		if tx.TicketID != 0 || tx.CompletedAt.IsZero() || tx.CompletedAt.Sub(tx.CreatedAt) >= r.Quick {
			continue
		}
		byWindow[e.WindowID] = append(byWindow[e.WindowID], rated{e.RatedAt, *tx})
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	var out []SuspiciousRun
	for wid, list := range byWindow {
		sort.Slice(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
		// Greedy: the longest run starting at each i within Span; runs do
		// not overlap, so one burst is reported once.
		for i := 0; i < len(list); {
			j := i
			for j+1 < len(list) && list[j+1].at.Sub(list[i].at) <= r.Span {
				j++
			}
			if j-i+1 < r.Count {
				i++
				continue
			}
			run := SuspiciousRun{WindowID: wid, Window: n.windows[wid].Number, Count: j - i + 1,
				From: list[i].at, To: list[j].at}
			seen := map[int64]bool{}
			for _, x := range list[i : j+1] {
				run.Serials = append(run.Serials, x.tx.Serial)
				if !seen[x.tx.ClerkID] {
					seen[x.tx.ClerkID] = true
					run.ClerkNames = append(run.ClerkNames, n.person(x.tx.ClerkID))
				}
			}
			out = append(out, run)
			i = j + 1
		}
	}
	slices.SortFunc(out, func(a, b SuspiciousRun) int { return a.From.Compare(b.From) })
	return out, nil
}

// PauseLogStore reads the queue log: the windows' pause and resume entries
// in [from, to), with each window's last entry before from.
type PauseLogStore interface {
	PauseLog(ctx context.Context, from, to time.Time) ([]QueueLog, error)
}

// PausedRating is a rating given at a window while the window was paused
// (暂停服务) for longer than the grace: nobody was being served there.
type PausedRating struct {
	WindowID    int64
	Window      int
	Serial      string
	Level       Level
	Channel     Channel
	RatedAt     time.Time
	PausedSince time.Time
	ClerkName   string
}

// PauseGrace is how long a person may still press the keypad after the clerk
// paused the window behind them; a rating later than this into a pause is
// worth a look.
const PauseGrace = 3 * time.Minute

// RatedWhilePaused lists window ratings (keypad, tablet) given while their
// window was paused, more than PauseGrace after the pause began, over the
// last days. Manager only.
func (s *Service) RatedWhilePaused(ctx context.Context, actor *Staff, days int) ([]PausedRating, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	from, to := now.AddDate(0, 0, -days), now.Add(time.Second)
	log, err := s.st.PauseLog(ctx, from, to)
	if err != nil {
		return nil, err
	}
	type span struct{ from, to time.Time }
	spans := map[int64][]span{}
	open := map[int64]time.Time{}
	for _, l := range log {
		switch l.Kind {
		case LogPause:
			if _, already := open[l.WindowID]; !already {
				open[l.WindowID] = l.At
			}
		case LogResume:
			if since, ok := open[l.WindowID]; ok {
				spans[l.WindowID] = append(spans[l.WindowID], span{since, l.At})
				delete(open, l.WindowID)
			}
		}
	}
	for w, since := range open {
		spans[w] = append(spans[w], span{since, to})
	}
	if len(spans) == 0 {
		return nil, nil
	}
	evs, err := s.st.EvalFacts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	var out []PausedRating
	for _, e := range evs {
		if e.Kind != KindActive || (e.Channel != ChannelKeypad && e.Channel != ChannelTablet) {
			continue
		}
		for _, sp := range spans[e.WindowID] {
			if e.RatedAt.After(sp.from.Add(PauseGrace)) && e.RatedAt.Before(sp.to) {
				tx, err := s.st.Transaction(ctx, e.TransactionID)
				if err != nil {
					return nil, err
				}
				out = append(out, PausedRating{WindowID: e.WindowID, Window: n.windows[e.WindowID].Number,
					Serial: tx.Serial, Level: e.Level, Channel: e.Channel, RatedAt: e.RatedAt, PausedSince: sp.from,
					ClerkName: n.person(e.ClerkID)})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b PausedRating) int { return a.RatedAt.Compare(b.RatedAt) })
	return out, nil
}
