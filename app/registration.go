package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RegisterRequest is what the clerk enters at the counter after calling a
// ticket (办件登记).
type RegisterRequest struct {
	WindowID, ClerkID, TicketID    int64 // ClerkID 0 = the actor; TicketID 0 = no ticket (e.g. 出件)
	ApplicantName, IDNumber, Phone string
	Items                          []string // item codes; several + Theme = 一件事 (theme parent + one child per item)
	Theme                          bool
	ThemeName                      string              // the theme's code or exact name in the 事项清单
	BatchCount                     int                 // 批量: declarations covered (>=1; 0 is read as 1)
	AgentName                      string              // 帮办代办人; empty when none
	Received                       map[string][]string // item code → materials received
}

// Registration is what Register stored and what the applicant must still bring.
type Registration struct {
	Transactions []Transaction       // theme parent first when Theme
	Missing      map[string][]string // item code → materials still missing (一次性告知单, JZ 7.6.2); items with nothing missing are absent
}

// TxGroupStore writes several transactions in one database transaction, so
// a theme or a batch is never half stored (Register, Advance).
type TxGroupStore interface {
	// AddTransactionGroup stores the rows as AddTransaction does; when the
	// first row is a theme parent, every other row becomes its child.
	AddTransactionGroup(ctx context.Context, txs []Transaction, audit AuditEntry) ([]Transaction, error)
	// UpdateTransactionGroup stores every row as UpdateTransaction does.
	UpdateTransactionGroup(ctx context.Context, txs []Transaction, audit AuditEntry) error
}

// IDKeyStore gives the centre's key for HashID. Every node of a centre must
// use the same key (the hub's, replicated with the configuration) so that one
// person's transactions match across counters.
type IDKeyStore interface {
	IDHashKey(ctx context.Context) ([]byte, error)
}

const (
	maxNameRunes = 50
	maxBatch     = 999
)

// validName accepts a person's name: letters (any script), the middle dot of
// minority and foreign names, and inner spaces; no digits or symbols.
func validName(n string) bool {
	if n == "" || utf8.RuneCountInString(n) > maxNameRunes {
		return false
	}
	for _, r := range n {
		switch {
		case unicode.IsLetter(r), r == '·', r == '•', r == '.', r == ' ':
		default:
			return false
		}
	}
	return true
}

// Register stores a transaction (or a theme with its items, or a batch) for
// the person in front of the window and returns what is still missing, so the
// clerk can tell everything at once (一次性告知, JZ 7.6.2). The ID number is
// checked (GB 11643) and stored masked and hashed only.
func (s *Service) Register(ctx context.Context, actor *Staff, req RegisterRequest) (Registration, error) {
	var out Registration
	if actor == nil || !actor.Active {
		return out, Refuse("not_logged_in", "请先登录后再登记办件")
	}
	if err := checkText(append([]string{req.ApplicantName, req.IDNumber, req.Phone, req.ThemeName, req.AgentName}, req.Items...)...); err != nil {
		return out, err
	}
	clerk := req.ClerkID
	if clerk == 0 {
		clerk = actor.ID
	}
	if clerk != actor.ID && actor.Role != RoleManager {
		return out, Refuse("not_your_case", "只能以本人工号登记办件")
	}
	who, err := checkApplicant(req)
	if err != nil {
		return out, err
	}
	if req.WindowID == 0 {
		return out, Refuse("no_window", "未选择窗口，请在设置中指定本机窗口")
	}
	if err := s.checkWindow(ctx, req.WindowID); err != nil {
		return out, err
	}
	catalogue, err := s.st.Items(ctx)
	if err != nil {
		return out, err
	}
	items, err := pickItems(catalogue, req.Items)
	if err != nil {
		return out, err
	}
	var themeItem ServiceItem
	if req.Theme {
		if themeItem, err = pickTheme(catalogue, items, req.ThemeName); err != nil {
			return out, err
		}
	}

	key, err := s.st.IDHashKey(ctx)
	if err != nil {
		return out, err
	}
	now := s.Clock.Now()
	base := Transaction{
		ApplicantName: who.name, IDMasked: MaskID(who.id), IDHash: HashID(key, who.id), Phone: who.phone,
		AgentName: who.agent, WindowID: req.WindowID, ClerkID: clerk, TicketID: req.TicketID, Status: TxRegistered,
		Visits: 1, BatchCount: who.batch, CreatedAt: now,
	}
	var rows []Transaction
	if req.Theme {
		// GB39734 7.1.3: a theme is a parent transaction for the overall
		// rating and one child per item (each may also be rated alone).
		p := base
		p.ItemCode, p.IsTheme, p.BatchCount = themeItem.Code, true, 1
		rows = append(rows, p)
	} else if len(items) > 1 || who.batch > 1 {
		// GB39734 7.1.2: one rating covers every declaration of the visit.
		base.BatchID = "B" + newUID()
	}
	for _, it := range items {
		t := base
		t.ItemCode = it.Code
		rows = append(rows, t)
	}

	audit := AuditEntry{At: now, StaffID: actor.ID, Action: "register",
		Detail: fmt.Sprintf("window %d ticket %d items %s theme %t batch %d agent %t", req.WindowID, req.TicketID,
			strings.Join(codes(items), ","), req.Theme, who.batch, who.agent != "")}
	stored, err := s.addGroup(ctx, rows, audit)
	if err != nil {
		return out, err
	}
	out.Transactions = stored
	out.Missing = map[string][]string{}
	check := items
	if req.Theme {
		check = append([]ServiceItem{themeItem}, items...)
	}
	for _, it := range check {
		if m := missing(it.Materials, req.Received[it.Code]); len(m) > 0 {
			out.Missing[it.Code] = m
		}
	}
	s.Log.Info("transaction registered", "serial", stored[0].Serial, "rows", len(stored), "window", req.WindowID,
		"clerk", clerk)
	return out, nil
}

// applicant is a registration's person, checked and normalised.
type applicant struct {
	name, id, phone, agent string
	batch                  int
}

// checkApplicant checks who is registering: the name, the ID number (GB
// 11643), the phone when given, the agent (帮办代办) and the batch count.
func checkApplicant(req RegisterRequest) (applicant, error) {
	a := applicant{name: strings.TrimSpace(req.ApplicantName), agent: strings.TrimSpace(req.AgentName), batch: req.BatchCount}
	if a.name == "" {
		return a, Refuse("no_name", "请填写申请人姓名")
	}
	if !validName(a.name) {
		return a, Refuse("bad_name", "申请人姓名应为文字（最多%d字），不能含数字或符号", maxNameRunes)
	}
	var err error
	if a.id, err = ValidateIDNumber(req.IDNumber); err != nil {
		return a, err
	}
	if a.phone = strings.TrimSpace(req.Phone); a.phone != "" { // optional: not everyone has a phone
		if a.phone, err = ValidatePhone(a.phone); err != nil {
			return a, err
		}
	}
	if a.agent != "" {
		if !validName(a.agent) {
			return a, Refuse("bad_agent", "代办人姓名应为文字（最多%d字），不能含数字或符号", maxNameRunes)
		}
		if a.agent == a.name {
			return a, Refuse("bad_agent", "代办人与申请人是同一人，无需填写代办人")
		}
	}
	if a.batch == 0 {
		a.batch = 1
	}
	if a.batch < 1 || a.batch > maxBatch {
		return a, Refuse("bad_batch", "批量件数应为1至%d", maxBatch)
	}
	return a, nil
}

// pickItems finds the chosen item codes in the catalogue: each once, known
// and active, at least one.
func pickItems(catalogue []ServiceItem, codes []string) ([]ServiceItem, error) {
	byCode := make(map[string]ServiceItem, len(catalogue))
	for _, it := range catalogue {
		byCode[it.Code] = it
	}
	var items []ServiceItem
	seen := map[string]bool{}
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if seen[c] {
			return nil, Refuse("dup_item", "事项 %s 选了两次；同一事项多次申报请填写批量件数", c)
		}
		seen[c] = true
		it, ok := byCode[c]
		if !ok {
			return nil, Refuse("unknown_item", "事项清单中没有编码为 %s 的事项", c)
		}
		if !it.Active {
			return nil, Refuse("inactive_item", "事项“%s”已停用，不能登记", it.Name)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, Refuse("no_item", "请至少选择一个办理事项")
	}
	return items, nil
}

// pickTheme finds the 一件事 theme named (by code or name) for items: an
// active catalogue entry that is not one of its own items, with two items
// or more.
func pickTheme(catalogue, items []ServiceItem, name string) (ServiceItem, error) {
	if len(items) < 2 {
		return ServiceItem{}, Refuse("theme_items", "“一件事”主题至少包含两个事项")
	}
	tn := strings.TrimSpace(name)
	if tn == "" {
		return ServiceItem{}, Refuse("no_theme", "请选择“一件事”主题")
	}
	i := slices.IndexFunc(catalogue, func(it ServiceItem) bool { return it.Code == tn || it.Name == tn })
	if i < 0 || !catalogue[i].Active {
		return ServiceItem{}, Refuse("unknown_theme", "事项清单中没有“%s”这个“一件事”主题，请从清单中选择", tn)
	}
	theme := catalogue[i]
	if slices.ContainsFunc(items, func(it ServiceItem) bool { return it.Code == theme.Code }) {
		return ServiceItem{}, Refuse("theme_items", "主题“%s”不能同时作为它自己的子事项", theme.Name)
	}
	return theme, nil
}

func codes(items []ServiceItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Code
	}
	return out
}

// missing is want minus got (compared without surrounding spaces), in want's order.
func missing(want, got []string) []string {
	have := map[string]bool{}
	for _, g := range got {
		have[strings.TrimSpace(g)] = true
	}
	var out []string
	for _, w := range want {
		if !have[strings.TrimSpace(w)] {
			out = append(out, w)
		}
	}
	return out
}

func (s *Service) checkWindow(ctx context.Context, id int64) error {
	ws, err := s.st.Windows(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.ID == id {
			if !w.Active {
				return Refuse("inactive_window", "%d号窗口已停用，不能登记办件", w.Number)
			}
			return nil
		}
	}
	return Refuse("unknown_window", "本机设置的窗口不存在，请联系中心负责人重新设置")
}

// addGroup stores the rows all or none (a theme parent first, its
// children pointing at it).
func (s *Service) addGroup(ctx context.Context, rows []Transaction, audit AuditEntry) ([]Transaction, error) {
	return s.st.AddTransactionGroup(ctx, rows, audit)
}

// checkMove says whether a transaction in state from may move to to.
// 受理 follows 登记; 办结 follows 登记 (即办件 on the spot) or 受理; 退件
// follows 登记 or 受理; 不予受理 only before acceptance; a finished
// transaction (办结/退件/不予受理, SZ 17) does not move again.
func checkMove(t Transaction, to TxStatus) error {
	from := t.Status
	switch {
	case from.Finished():
		return Refuse("already_finished", "办件 %s 已%s，不能再改为%s", t.Serial, from.Name(), to.Name())
	case from == to:
		return Refuse("same_status", "办件 %s 已是“%s”状态", t.Serial, to.Name())
	case to == TxRefused && from == TxAccepted:
		return Refuse("bad_move", "办件 %s 已受理，不能再“不予受理”；如需退回请选择退件", t.Serial)
	}
	return nil
}

// Advance moves a transaction to accepted, completed, returned or refused.
// A theme parent and its children, and the members of a batch, move together
// (they share one rating, GB39734 7.1.2–7.1.3). Returning and refusing need a
// reason (一次性告知, JZ 7.6.2). Completion makes the rating window start.
func (s *Service) Advance(ctx context.Context, actor *Staff, txID int64, to TxStatus, note string) ([]Transaction, error) {
	if actor == nil || !actor.Active {
		return nil, Refuse("not_logged_in", "请先登录")
	}
	switch to {
	case TxAccepted, TxCompleted, TxReturned, TxRefused:
	default:
		return nil, Refuse("bad_status", "无效的办件状态：%s", to)
	}
	note = strings.TrimSpace(note)
	if (to == TxReturned || to == TxRefused) && note == "" {
		return nil, Refuse("no_reason", "%s须填写原因，以便一次性告知申请人", to.Name())
	}
	tx, err := s.st.Transaction(ctx, txID)
	if errors.Is(err, ErrNotFound) {
		return nil, Refuse(CodeUnknownTransaction, "未找到该办件")
	}
	if err != nil {
		return nil, err
	}
	// Any active clerk may move it: B covers for A (AB岗, JZ 7.6.4) and the
	// 出件 window completes what another window accepted.
	group, err := s.st.RelatedTransactions(ctx, tx)
	if err != nil {
		return nil, err
	}
	sort.Slice(group, func(i, j int) bool { return group[i].ID < group[j].ID })
	now := s.Clock.Now()
	for i := range group {
		t := &group[i]
		if err := checkMove(*t, to); err != nil {
			return nil, err
		}
		if to == TxAccepted || (to == TxCompleted && t.AcceptedAt.IsZero()) {
			t.AcceptedAt = now
		}
		if to.Finished() {
			t.CompletedAt = now
		}
		t.Status = to
	}
	if to.Finished() {
		if err := s.newVisit(ctx, actor, group); err != nil {
			return nil, err
		}
	}
	audit := AuditEntry{At: now, StaffID: actor.ID, Action: "tx_" + string(to),
		Detail: fmt.Sprintf("%s (%d rows) %s", tx.Serial, len(group), note)}
	if err := s.st.UpdateTransactionGroup(ctx, group, audit); err != nil {
		return nil, err
	}
	return group, nil
}

// newVisit: when the visit on record was already rated (a 承诺件 rated at
// acceptance, TA: each visit may be rated), finishing it is the applicant's
// next visit, served by actor, so the completion can be rated too (GB39734
// 7.1.1: after completion one rating of the item). The whole group moves to
// the next visit together, at the actor's window when they hold one post.
func (s *Service) newVisit(ctx context.Context, actor *Staff, group []Transaction) error {
	ids := make([]int64, len(group))
	for i, t := range group {
		ids[i] = t.ID
	}
	existing, err := s.st.EvaluationsFor(ctx, ids)
	if err != nil {
		return err
	}
	rated := false
	for _, t := range group {
		if slotTaken(existing, t.ID, t.Visits) != nil {
			rated = true
		}
	}
	if !rated {
		return nil
	}
	posts, err := s.st.Posts(ctx)
	if err != nil {
		return err
	}
	var window int64
	for _, p := range posts {
		if p.StaffID == actor.ID {
			if window != 0 && window != p.WindowID {
				window = -1 // several windows: keep the one on record
			} else if window == 0 {
				window = p.WindowID
			}
		}
	}
	for i := range group {
		t := &group[i]
		t.Visits++
		t.ClerkID = actor.ID
		if window > 0 {
			t.WindowID = window
		}
	}
	return nil
}

// SearchItems finds active items for the counter's item picker: an exact
// code first (a USB barcode scanner types the code and Enter), then code
// prefixes, pinyin initials and name substrings. limit <= 0 means 20. An
// empty query lists the active items by code.
func (s *Service) SearchItems(ctx context.Context, q string, limit int) ([]ServiceItem, error) {
	if limit <= 0 {
		limit = 20
	}
	all, err := s.st.Items(ctx)
	if err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	lq := strings.ToLower(q)
	type hit struct {
		it   ServiceItem
		rank int
	}
	var hits []hit
	for _, it := range all {
		if !it.Active {
			continue
		}
		code, py := strings.ToLower(it.Code), strings.ToLower(it.Pinyin)
		if py == "" {
			py = PinyinInitials(it.Name) // catalogues pushed down rarely carry pinyin
		}
		rank := -1
		switch {
		case q == "":
			rank = 4
		case code == lq:
			rank = 0
		case strings.HasPrefix(code, lq):
			rank = 1
		case py != "" && strings.HasPrefix(py, lq):
			rank = 2
		case strings.Contains(it.Name, q), len(lq) >= 2 && strings.Contains(py, lq):
			rank = 3
		}
		if rank >= 0 {
			hits = append(hits, hit{it, rank})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank < hits[j].rank
		}
		return hits[i].it.Code < hits[j].it.Code
	})
	out := make([]ServiceItem, 0, min(limit, len(hits)))
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, h.it)
	}
	return out, nil
}

// OrderFor is the 差评工单 the rules open for a stored evaluation (SZ 22):
// for an active or follow-up bad review, with the profile's deadlines from
// now. ok is false when the row needs none. The hub uses it for ratings
// forwarded by counters, so they enter the ledger as if rated at the hub.
func (s *Service) OrderFor(e Evaluation) (WorkOrder, bool) {
	if e.Kind == KindTimeout || !s.Profile.IsBad(e.Level) {
		return WorkOrder{}, false
	}
	return s.newOrder(e, s.Clock.Now()), true
}
