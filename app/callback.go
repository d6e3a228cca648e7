package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TA 二.5 办件随机抽评: every quarter the centre phones a random sample of the
// quarter's completed transactions, asks whether the person was satisfied and
// records the answer as a rating with channel 电话回访.

// Quarter is a calendar quarter in China time.
type Quarter struct {
	Year, Q int // Q in 1..4
}

var quarterRE = regexp.MustCompile(`^(\d{4})[-\s]?[Qq]([1-4])$`)

// ParseQuarter reads "2026Q3" (also "2026-Q3", "2026q3").
func ParseQuarter(s string) (Quarter, error) {
	m := quarterRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Quarter{}, Refuse("bad_quarter", "季度格式应为 2026Q3（年份 + Q + 1至4）：%q", s)
	}
	y, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return Quarter{Year: y, Q: q}, nil
}

// QuarterOf is the quarter t falls in (China time).
func QuarterOf(t time.Time) Quarter {
	t = t.In(ChinaTime)
	return Quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}

func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// Chinese is e.g. "2026年第3季度".
func (q Quarter) Chinese() string { return fmt.Sprintf("%d年第%d季度", q.Year, q.Q) }

// Bounds is [from, to) of the quarter in China time.
func (q Quarter) Bounds() (from, to time.Time) {
	from = time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, ChinaTime)
	return from, from.AddDate(0, 3, 0)
}

// DrawSample picks n of ids uniformly without replacement, reproducibly: the
// same ids (in any order), n and seed give the same sample. The ids are
// sorted first so the draw does not depend on how the store ordered them; the
// generator is PCG seeded from seed, and a partial Fisher–Yates shuffle makes
// every n-subset equally likely. The result is sorted by id.
func DrawSample(ids []int64, n int, seed uint64) []int64 {
	pool := slices.Clone(ids)
	slices.Sort(pool)
	pool = slices.Compact(pool)
	if n >= len(pool) {
		return pool
	}
	if n <= 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(seed, 0x62_69_61_6e_6d_69_6e)) // "bianmin"
	for i := 0; i < n; i++ {
		j := i + r.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	out := pool[:n]
	slices.Sort(out)
	return out
}

// CallbackEntry is one line of the call list. Personal data is masked: the
// printed list leaves the office; the full number is shown on the manager's
// screen when the call is made (RevealPhone, audited).
type CallbackEntry struct {
	TxID        int64
	Serial      string
	ItemName    string
	Window      int // 窗口号
	ClerkNo     string
	CompletedAt time.Time
	Applicant   string // masked
	IDMasked    string
	Phone       string // masked
	Agent       bool   // 帮办代办: ask the agent or the applicant
}

// CallbackList is a quarter's drawn sample.
type CallbackList struct {
	Quarter    Quarter
	Seed       uint64
	Population int // completed transactions with a phone number in the quarter
	Entries    []CallbackEntry
	DrawnAt    time.Time
	DrawnBy    string // staff 工号 姓名
}

// CallbackSample draws n of the quarter's completed transactions that have a
// phone number (no number, no call), reproducibly from seed, and records the
// draw in the audit log so it can be re-checked. Manager only.
func (s *Service) CallbackSample(ctx context.Context, actor *Staff, q Quarter, n int, seed uint64) (*CallbackList, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	if n <= 0 || n > 1000 {
		return nil, Refuse("bad_sample_size", "抽取件数应在1至1000之间")
	}
	from, to := q.Bounds()
	if now := s.Clock.Now(); !from.Before(now) {
		return nil, Refuse("future_quarter", "%s尚未开始，无法抽取办件", q.Chinese())
	}
	facts, err := s.st.TxFacts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Transaction{}
	var ids []int64
	for i, f := range facts {
		if i%200 == 0 {
			ReportProgress(ctx, i, len(facts)) // a quarter's transactions, read one by one
		}
		tx, err := s.st.Transaction(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		if tx.Status != TxCompleted || strings.TrimSpace(tx.Phone) == "" {
			continue
		}
		byID[tx.ID] = tx
		ids = append(ids, tx.ID)
	}
	if len(ids) == 0 {
		return nil, Refuse("empty_quarter", "%s没有留有电话号码的已办结办件，无法抽评", q.Chinese())
	}
	names, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	list := &CallbackList{Quarter: q, Seed: seed, Population: len(ids), DrawnAt: s.Clock.Now(),
		DrawnBy: actor.No + " " + actor.Name}
	for _, id := range DrawSample(ids, n, seed) {
		tx := byID[id]
		list.Entries = append(list.Entries, CallbackEntry{
			TxID: tx.ID, Serial: tx.Serial, ItemName: tx.ItemName, Window: names.windows[tx.WindowID].Number,
			ClerkNo: names.staff[tx.ClerkID].No, CompletedAt: tx.CompletedAt, Applicant: MaskName(tx.ApplicantName),
			IDMasked: tx.IDMasked, Phone: MaskPhone(tx.Phone), Agent: tx.AgentName != "",
		})
	}
	slices.SortFunc(list.Entries, func(a, b CallbackEntry) int { return a.CompletedAt.Compare(b.CompletedAt) })
	err = s.st.AddAudit(ctx, AuditEntry{At: list.DrawnAt, StaffID: actor.ID, Action: "callback_sample",
		Detail: fmt.Sprintf("%s seed=%d n=%d population=%d drawn=%d", q, seed, n, len(ids), len(list.Entries))})
	return list, err
}

// RevealPhone gives a manager the full phone number of a sampled transaction
// to dial, and records who looked (personal data is shown only when needed).
func (s *Service) RevealPhone(ctx context.Context, actor *Staff, txID int64) (string, error) {
	if err := RequireManager(actor); err != nil {
		return "", err
	}
	tx, err := s.st.Transaction(ctx, txID)
	if err != nil {
		return "", err
	}
	err = s.st.AddAudit(ctx, AuditEntry{At: s.Clock.Now(), StaffID: actor.ID, Action: "reveal_phone",
		Detail: tx.Serial})
	return tx.Phone, err
}

// CallbackOutcome is what the call gave.
type CallbackOutcome struct {
	Reached bool  // false: 未接通 / 拒访 — recorded, no rating
	Level   Level // the person's answer
	Tags    []string
	Text    string // opinions and suggestions (征求意见建议)
	Note    string // why not reached, or anything else for the record
}

// RecordCallback stores the outcome of one call: a rating with channel
// 电话回访 when the person was reached (a bad one opens a work order like any
// other), an audit entry either way. Manager only.
func (s *Service) RecordCallback(ctx context.Context, actor *Staff, txID int64, out CallbackOutcome) ([]Evaluation, error) {
	if err := RequireManager(actor); err != nil {
		return nil, err
	}
	if !out.Reached {
		tx, err := s.st.Transaction(ctx, txID)
		if err != nil {
			return nil, err
		}
		note := strings.TrimSpace(out.Note)
		if note == "" {
			note = "未接通"
		}
		return nil, s.st.AddAudit(ctx, AuditEntry{At: s.Clock.Now(), StaffID: actor.ID, Action: "callback_unreached",
			Detail: tx.Serial + " " + note})
	}
	return s.Rate(ctx, actor, RateRequest{TransactionID: txID, Level: out.Level, Tags: out.Tags, Text: out.Text,
		Channel: ChannelCallback})
}
