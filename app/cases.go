package app

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A 承诺件 takes several visits: accepted today, completed days later,
// perhaps at another window (JZ 7.6 限时办理制; GB39734 7.1.1: each visit may
// be rated, the item once after completion). OpenCases is the 在办 list the
// counter and the manager see; CaseBySerial reopens one at any window.

// OpenCase is one case still open: the head of its group (a theme's
// parent, a batch's first declaration, or the transaction itself).
type OpenCase struct {
	Tx       Transaction
	Group    []Transaction // the rows that move with it (Advance)
	ItemName string
	WindowNo int // the window it is at; 0 when unknown
	// Due is the end of the promised time (承诺办结时限): the item's working
	// days from acceptance, by the centre's calendar (Civil Code art. 201: the
	// day of acceptance not counted, ending at 24:00). Zero for a 即办件 or a
	// case not yet accepted.
	Due      time.Time
	Promised bool // a 承诺件 (some item has promised days)
	Overdue  bool // past Due
	DueToday bool // Due falls today and has not passed
}

// State is the case's state in Chinese, for lists.
func (c OpenCase) State() string {
	switch {
	case c.Overdue:
		return "已超期"
	case c.DueToday:
		return "今日到期"
	case c.Tx.Status == TxRegistered:
		return "已登记待受理"
	}
	return "在办"
}

// OpenCases lists the open cases, overdue first, then by due time and age;
// query, when not empty, keeps those whose 流水号 contains it, whose
// applicant's name contains it, or (an 18-character ID number) whose
// applicant has that ID. windowID, when not 0, keeps that window's. Any
// signed-in member of staff may look: a 承诺件 is finished where the
// applicant comes back.
func (s *Service) OpenCases(ctx context.Context, actor *Staff, query string, windowID int64) ([]OpenCase, error) {
	if actor == nil || !actor.Active {
		return nil, Refuse("not_logged_in", "请先登录")
	}
	txs, err := s.st.OpenTransactions(ctx)
	if err != nil {
		return nil, err
	}
	match, err := s.caseMatcher(ctx, strings.TrimSpace(query))
	if err != nil {
		return nil, err
	}
	info, err := s.caseInfo(ctx)
	if err != nil {
		return nil, err
	}
	groups := map[string][]Transaction{}
	var heads []Transaction
	for _, t := range txs {
		k := caseKey(t)
		if len(groups[k]) == 0 {
			heads = append(heads, t)
		}
		groups[k] = append(groups[k], t)
	}
	now := s.Clock.Now()
	var out []OpenCase
	for _, h := range heads {
		g := groups[caseKey(h)]
		if h.ThemeParentID != 0 {
			continue // a child whose parent is closed: shown with nothing to do
		}
		if windowID != 0 && h.WindowID != windowID {
			continue
		}
		if !match(h) {
			continue
		}
		out = append(out, info.open(h, g, s, now))
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Overdue != b.Overdue {
			return a.Overdue
		}
		if a.Due.IsZero() != b.Due.IsZero() {
			return !a.Due.IsZero()
		}
		if !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		return a.Tx.CreatedAt.Before(b.Tx.CreatedAt)
	})
	return out, nil
}

// CaseBySerial reopens a case by its 流水号 (typed, or scanned from the
// receipt or the 告知单), at whatever window the applicant has come back to.
func (s *Service) CaseBySerial(ctx context.Context, actor *Staff, serial string) (OpenCase, error) {
	if actor == nil || !actor.Active {
		return OpenCase{}, Refuse("not_logged_in", "请先登录")
	}
	tx, err := s.findTx(ctx, 0, serial)
	if err != nil {
		return OpenCase{}, err
	}
	group, err := s.st.RelatedTransactions(ctx, tx)
	if err != nil {
		return OpenCase{}, err
	}
	sort.Slice(group, func(i, j int) bool { return group[i].ID < group[j].ID })
	head := group[0]
	if head.Status.Finished() {
		return OpenCase{}, Refuse("case_finished", "办件 %s 已%s（%s），不能再办理", head.Serial, head.Status.Name(),
			head.CompletedAt.Format("2006-01-02 15:04"))
	}
	info, err := s.caseInfo(ctx)
	if err != nil {
		return OpenCase{}, err
	}
	return info.open(head, group, s, s.Clock.Now()), nil
}

// caseKey groups a theme's rows under the parent and a batch's rows together.
func caseKey(t Transaction) string {
	switch {
	case t.IsTheme:
		return "theme:" + strconv.FormatInt(t.ID, 10)
	case t.ThemeParentID != 0:
		return "theme:" + strconv.FormatInt(t.ThemeParentID, 10)
	case t.BatchID != "":
		return "batch:" + t.BatchID
	}
	return "tx:" + strconv.FormatInt(t.ID, 10)
}

func (s *Service) caseMatcher(ctx context.Context, q string) (func(Transaction) bool, error) {
	if q == "" {
		return func(Transaction) bool { return true }, nil
	}
	if id, err := ValidateIDNumber(q); err == nil {
		key, err := s.st.IDHashKey(ctx)
		if err != nil {
			return nil, err
		}
		h := HashID(key, id)
		return func(t Transaction) bool { return t.IDHash == h }, nil
	}
	up := strings.ToUpper(q)
	return func(t Transaction) bool {
		return strings.Contains(t.Serial, up) || (t.ApplicantName != "" && strings.Contains(t.ApplicantName, q))
	}, nil
}

type caseInfo struct {
	items   map[string]ServiceItem
	windows map[int64]int
}

func (s *Service) caseInfo(ctx context.Context) (caseInfo, error) {
	ci := caseInfo{items: map[string]ServiceItem{}, windows: map[int64]int{}}
	items, err := s.st.Items(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return ci, err
	}
	for _, it := range items {
		ci.items[it.Code] = it
	}
	ws, err := s.st.Windows(ctx)
	if err != nil {
		return ci, err
	}
	for _, w := range ws {
		ci.windows[w.ID] = w.Number
	}
	return ci, nil
}

func (ci caseInfo) open(head Transaction, group []Transaction, s *Service, now time.Time) OpenCase {
	c := OpenCase{Tx: head, Group: group, ItemName: head.ItemName, WindowNo: ci.windows[head.WindowID]}
	it, known := ci.items[head.ItemCode]
	if c.ItemName == "" {
		c.ItemName = it.Name
	}
	if c.ItemName == "" {
		c.ItemName = head.ItemCode
	}
	// A theme is due when its slowest item is.
	days := 0
	instant := known && it.Instant
	for _, t := range group {
		if ti, ok := ci.items[t.ItemCode]; ok && !ti.Instant {
			instant = false
			days = max(days, ti.PromiseDays)
		}
	}
	c.Promised = !instant && days > 0
	if c.Promised && !head.AcceptedAt.IsZero() {
		c.Due = s.Cal.Deadline(head.AcceptedAt, Span{N: days, Unit: UnitWorkingDays})
		c.Overdue = now.After(c.Due)
		y, m, d := now.Date()
		dy, dm, dd := c.Due.Add(-time.Nanosecond).In(now.Location()).Date()
		c.DueToday = !c.Overdue && y == dy && m == dm && d == dd
	}
	return c
}
