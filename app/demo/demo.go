// Package demo fills a centre's database with a realistic, deterministic history
// for demonstrations, manuals and tests. It drives the real app.Service with a
// fake clock that it moves through each working day, so every ticket,
// transaction, rating and work-order step goes through the same rules as in
// production: nothing is written around them. Ratings the rules refuse (a
// second press on the keypad, the applicant after the agent, a follow-up twice,
// a late QR scan) are attempted on purpose and counted.
package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"bianmin/app"
)

// Options control the generator.
type Options struct {
	Days    int       // calendar days of history before End's date (default 90)
	Seed    int64     // same seed, same centre
	End     time.Time // the period ends here (default: now, China time)
	PerDay  int       // mean tickets per working day (default 36)
	IDKey   []byte    // key for app.HashID (default: a fixed demo key)
	Log     *slog.Logger
	Centre  string // centre name when the store has none yet
	Area    string // area code when the store has none yet (default 370911105000)
	Profile string // profile name stored with a new centre (default: the profile's name)
	// Progress, when set, hears how far the generation is (0–1), about once
	// per simulated percent, for a progress bar.
	Progress func(done float64)
}

// Result counts what was generated.
type Result struct {
	From, To       time.Time
	WorkingDays    int
	Tickets        int
	NoShows        int
	Transactions   int
	Ratings        int              // accepted rating requests (a batch or theme rating is one)
	Rows           int              // evaluation rows stored by accepted requests
	FollowUps      int              // accepted follow-up ratings
	Corrections    int              // paper entries corrected by the manager
	Refused        map[app.Code]int // expected refusals by UserError code
	Anomalies      []string         // refusals or step errors the generator did not expect
	Timeouts       int              // rows recorded by SettleTimeouts
	Orders         int              // work orders seen
	OrderSteps     int
	Manager        app.Staff
	Clock          *app.FakeClock
	Elapsed        time.Duration
	PendingPickups int // 承诺件 still in progress at the end
}

// Generate builds the demo centre in st under profile p and calendar cal.
// It adds the windows, staff, items and queue categories when the store has
// no windows yet, reuses an existing manager (or bootstraps 0001/123456), and
// then simulates opt.Days of business ending at opt.End.
func Generate(ctx context.Context, st app.Store, p *app.Profile, cal *app.Calendar, opt Options) (*Result, error) {
	began := time.Now()
	if opt.Days <= 0 {
		opt.Days = 90
	}
	if opt.PerDay <= 0 {
		opt.PerDay = 36
	}
	if opt.End.IsZero() {
		opt.End = time.Now().In(app.ChinaTime)
	}
	opt.End = opt.End.In(app.ChinaTime)
	if opt.IDKey == nil {
		opt.IDKey = []byte("bianmin-demo-id-key")
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Area == "" {
		opt.Area = "370911105000"
	}
	if opt.Centre == "" {
		opt.Centre = "示范镇便民服务中心"
	}
	if opt.Profile == "" {
		opt.Profile = p.Name
	}
	y, m, d := opt.End.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, app.ChinaTime).AddDate(0, 0, -opt.Days)
	clk := app.NewFakeClock(from.Add(7 * time.Hour))
	g := &gen{
		ctx: ctx, st: st, p: p, cal: cal, clk: clk, opt: opt, log: opt.Log,
		svc: app.NewService(st, clk, p, cal, opt.Log),
		r:   rand.New(rand.NewPCG(uint64(opt.Seed), uint64(opt.Seed)^0x9e3779b97f4a7c15)),
		res: &Result{From: from, To: opt.End, Refused: map[app.Code]int{}, Clock: clk},
		ord: map[int64]*orderPlan{}, followed: map[int64]bool{},
	}
	// A store that stamps CreatedAt itself must use the simulated time too.
	if c, ok := st.(interface{ SetClock(app.Clock) }); ok {
		c.SetClock(clk)
		defer c.SetClock(nil)
	}
	if err := g.setup(); err != nil {
		return nil, err
	}
	g.res.Manager = *g.manager
	for day := from; day.Before(opt.End); day = day.AddDate(0, 0, 1) {
		g.push(day.Add(8*time.Hour), g.dayStart(day))
	}
	g.from, g.progress = from, opt.Progress
	if err := g.run(opt.End); err != nil {
		return g.res, err
	}
	clk.Set(opt.End)
	n, err := g.svc.SettleTimeouts(ctx)
	if err != nil {
		return g.res, fmt.Errorf("settle timeouts: %w", err)
	}
	g.res.Timeouts += n
	g.res.PendingPickups = g.pendingPickups
	g.res.Elapsed = time.Since(began)
	g.log.Info("demo generated", "days", opt.Days, "working_days", g.res.WorkingDays, "tickets", g.res.Tickets,
		"transactions", g.res.Transactions, "ratings", g.res.Ratings, "timeouts", g.res.Timeouts,
		"orders", g.res.Orders, "refused", g.res.Refused, "anomalies", len(g.res.Anomalies), "elapsed", g.res.Elapsed)
	return g.res, nil
}

type gen struct {
	from     time.Time
	progress func(float64)
	reported float64
	ctx      context.Context
	st       app.Store
	svc      *app.Service
	p        *app.Profile
	cal      *app.Calendar
	clk      *app.FakeClock
	opt      Options
	log      *slog.Logger
	r        *rand.Rand
	res      *Result

	manager   *app.Staff
	staffByID map[int64]*app.Staff
	windows   []app.Window // by number 1..6
	winCat    []byte       // category letter per window index
	clerkA    []*app.Staff // per window index
	clerkB    []*app.Staff
	onDuty    []*app.Staff // today's clerk per window index
	cats      map[byte]app.QueueCategory
	items     map[string]itemDef
	byCat     map[byte][]itemDef
	formSeq   int
	events    eventHeap
	seq       int
	ord       map[int64]*orderPlan
	followed  map[int64]bool      // transactions with a follow-up scheduled (once only, SZ 16)
	pickups   map[string][]*visit // day → pick-ups due
	ticketNo  map[byte]int

	pendingPickups int
}

// ---- event queue ----

type event struct {
	at  time.Time
	seq int
	fn  func() error
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (g *gen) push(at time.Time, fn func() error) {
	if now := g.clk.Now(); at.Before(now) {
		at = now
	}
	g.seq++
	heap.Push(&g.events, event{at: at, seq: g.seq, fn: fn})
}

// run executes events in time order until end; later ones are dropped (they
// are the future of the demo centre: pick-ups not yet due, ratings not yet given).
func (g *gen) run(end time.Time) error {
	for g.events.Len() > 0 {
		if err := g.ctx.Err(); err != nil {
			return err
		}
		e := heap.Pop(&g.events).(event)
		if !e.at.Before(end) {
			break
		}
		g.clk.Set(e.at)
		g.report(e.at, end)
		if err := e.fn(); err != nil {
			return err
		}
	}
	if g.progress != nil {
		g.progress(1)
	}
	return nil
}

// report tells Progress how much of the period is simulated.
func (g *gen) report(at, end time.Time) {
	if g.progress == nil || !end.After(g.from) {
		return
	}
	f := float64(at.Sub(g.from)) / float64(end.Sub(g.from))
	if f >= g.reported+0.01 {
		g.reported = f
		g.progress(f)
	}
}

// ---- people ----

func (g *gen) name() string {
	s := string(surnames[g.r.IntN(len(surnames))])
	n := 1 + g.r.IntN(2)
	if g.r.IntN(10) == 0 {
		n = 1
	}
	for range n {
		s += string(givenChars[g.r.IntN(len(givenChars))])
	}
	return s
}

func (g *gen) mobile() string {
	return mobilePrefixes[g.r.IntN(len(mobilePrefixes))] + fmt.Sprintf("%08d", g.r.IntN(100000000))
}

// idNumber makes a valid 18-digit ID number (GB 11643 check digit) for
// someone born in the centre's county.
func (g *gen) idNumber(minAge, maxAge int) string {
	now := g.clk.Now()
	age := minAge + g.r.IntN(maxAge-minAge+1)
	birth := now.AddDate(-age, 0, -g.r.IntN(365))
	body := g.opt.Area[:6] + birth.Format("20060102") + fmt.Sprintf("%03d", g.r.IntN(1000))
	return body + string(CheckDigit(body))
}

// CheckDigit computes the GB 11643-1999 check character of the first 17 digits.
func CheckDigit(body17 string) byte {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17 && i < len(body17); i++ {
		sum += int(body17[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

type person struct {
	name, id, tel string
	elderly       bool
}

func (g *gen) person(elderly bool) person {
	min, max := 18, 75
	if elderly {
		min, max = 70, 92
	}
	pr := person{name: g.name(), id: g.idNumber(min, max), tel: g.mobile(), elderly: elderly}
	if _, err := app.ValidateIDNumber(pr.id); err != nil {
		g.anomaly("generated ID number %s invalid: %v", app.MaskID(pr.id), err)
	}
	if _, err := app.ValidatePhone(pr.tel); err != nil {
		g.anomaly("generated phone %s invalid: %v", app.MaskPhone(pr.tel), err)
	}
	return pr
}

// ---- setup ----

func (g *gen) setup() error {
	ctx := g.ctx
	if _, err := g.st.Centre(ctx); errors.Is(err, app.ErrNotFound) {
		if err := g.st.SaveCentre(ctx, app.Centre{Name: g.opt.Centre, AreaCode: g.opt.Area, Profile: g.opt.Profile}); err != nil {
			return fmt.Errorf("save centre: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("read centre: %w", err)
	} else if c, _ := g.st.Centre(ctx); app.ValidateAreaCode(c.AreaCode) == nil {
		g.opt.Area = c.AreaCode
	}
	staff, err := g.st.AllStaff(ctx)
	if err != nil {
		return fmt.Errorf("read staff: %w", err)
	}
	for i := range staff {
		if staff[i].Role == app.RoleManager && staff[i].Active {
			g.manager = &staff[i]
			break
		}
	}
	if g.manager == nil {
		m, err := g.svc.BootstrapManager(ctx, app.Staff{No: "0001", Name: "中心负责人"}, "123456")
		if err != nil {
			return fmt.Errorf("bootstrap manager: %w", err)
		}
		g.manager = &m
	}
	wins, err := g.st.Windows(ctx)
	if err != nil {
		return fmt.Errorf("read windows: %w", err)
	}
	if len(wins) > 0 {
		return &app.UserError{Code: "demo_exists", Msg: "数据库中已有窗口设置，演示数据只能生成到新建的中心",
			Err: fmt.Errorf("store already has %d windows", len(wins))}
	}
	for i, w := range windowDefs {
		id, err := g.st.AddWindow(ctx, app.Window{Number: i + 1, Name: w.Name, Kind: w.Kind, Active: true})
		if err != nil {
			return fmt.Errorf("add window: %w", err)
		}
		g.windows = append(g.windows, app.Window{ID: id, Number: i + 1, Name: w.Name, Kind: w.Kind, Active: true})
		g.winCat = append(g.winCat, w.Cat)
	}
	g.staffByID = map[int64]*app.Staff{g.manager.ID: g.manager}
	// 12 clerks: window i has A clerk 1001+2i and B clerk 1002+2i (AB岗, JZ 7.6.4).
	used := map[string]bool{g.manager.Name: true}
	for i := range g.windows {
		for k, post := range []string{"A", "B"} {
			nm := g.name()
			for used[nm] {
				nm = g.name()
			}
			used[nm] = true
			s, err := g.svc.AddStaff(ctx, g.manager, app.Staff{No: fmt.Sprintf("%04d", 1001+2*i+k), Name: nm,
				Role: app.RoleClerk}, "123456")
			if err != nil {
				return fmt.Errorf("add clerk: %w", err)
			}
			if err := g.st.SetPost(ctx, app.Post{WindowID: g.windows[i].ID, StaffID: s.ID, Post: post}); err != nil {
				return fmt.Errorf("set post: %w", err)
			}
			g.staffByID[s.ID] = &s
			if post == "A" {
				g.clerkA = append(g.clerkA, &s)
			} else {
				g.clerkB = append(g.clerkB, &s)
			}
		}
	}
	g.items = map[string]itemDef{}
	g.byCat = map[byte][]itemDef{}
	for _, it := range catalogue {
		if err := g.st.SaveItem(ctx, it.ServiceItem); err != nil {
			return fmt.Errorf("save item: %w", err)
		}
		g.items[it.Code] = it
		g.byCat[it.Cat] = append(g.byCat[it.Cat], it)
	}
	for _, t := range themes {
		if err := g.st.SaveItem(ctx, t.Item); err != nil {
			return fmt.Errorf("save item: %w", err)
		}
		g.items[t.Item.Code] = itemDef{ServiceItem: t.Item, Cat: 'A'}
	}
	g.cats = map[byte]app.QueueCategory{}
	for _, c := range categoryDefs {
		qc := app.QueueCategory{Prefix: string(c.Prefix), Name: c.Name}
		for i, w := range g.windows {
			if g.winCat[i] == c.Prefix {
				qc.Windows = append(qc.Windows, w.ID)
			}
		}
		id, err := g.st.AddCategory(ctx, qc)
		if err != nil {
			return fmt.Errorf("add category: %w", err)
		}
		qc.ID = id
		g.cats[c.Prefix] = qc
	}
	g.pickups = map[string][]*visit{}
	return nil
}

// ---- one working day ----

// visit is one ticket's business: one transaction, a batch, or a theme.
type visit struct {
	cat      byte
	ticket   app.Ticket
	txs      []app.Transaction // batch members, or theme children; theme parent separately
	parent   *app.Transaction  // theme parent
	items    []itemDef
	who      person
	agent    string
	start    time.Time
	end      time.Time
	window   int // index
	noShow   bool
	pickup   bool // a 承诺件 pick-up at the 出件 window
	instant  bool
	outcome  app.TxStatus
	byPost   bool // the result is posted: completed without a second visit
	rated1   bool // the first visit of a 承诺件 was rated at the window
	promised int
}

func dayKey(t time.Time) string { return t.Format("2006-01-02") }

func at(day time.Time, h, m int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, app.ChinaTime)
}

func (g *gen) dayStart(day time.Time) func() error {
	return func() error {
		if !g.cal.IsWorkday(day) {
			return nil
		}
		g.res.WorkingDays++
		// The hub settles due timeouts every morning.
		n, err := g.svc.SettleTimeouts(g.ctx)
		if err != nil {
			return fmt.Errorf("settle timeouts: %w", err)
		}
		g.res.Timeouts += n
		g.onDuty = make([]*app.Staff, len(g.windows))
		for i := range g.windows {
			g.onDuty[i] = g.clerkA[i]
			if g.r.Float64() < 0.07 { // A absent: B covers (AB岗)
				g.onDuty[i] = g.clerkB[i]
			}
		}
		g.ticketNo = map[byte]int{}
		g.scheduleTickets(day)
		g.schedulePickups(day)
		g.push(at(day, 17, 40), func() error { return g.processOrders(day) })
		return nil
	}
}

func (g *gen) scheduleTickets(day time.Time) {
	factor := 1.0
	switch day.Weekday() {
	case time.Monday:
		factor = 1.3
	case time.Friday:
		factor = 0.85
	}
	n := int(math.Round(float64(g.opt.PerDay) * factor * (0.8 + 0.4*g.r.Float64())))
	var visits []*visit
	for range n {
		v := &visit{}
		u := g.r.Float64()
		for _, c := range categoryDefs {
			v.cat = c.Prefix
			if u < c.Share {
				break
			}
			u -= c.Share
		}
		// 65% come in the morning (8:30–11:45), the rest 14:00–17:00.
		if g.r.Float64() < 0.65 {
			v.ticket.IssuedAt = at(day, 8, 30).Add(time.Duration(g.r.IntN(195*60)) * time.Second)
		} else {
			v.ticket.IssuedAt = at(day, 14, 0).Add(time.Duration(g.r.IntN(180*60)) * time.Second)
		}
		v.ticket.Priority = g.r.Float64() < 0.08
		v.noShow = g.r.Float64() < 0.04
		visits = append(visits, v)
	}
	sort.SliceStable(visits, func(i, j int) bool { return visits[i].ticket.IssuedAt.Before(visits[j].ticket.IssuedAt) })
	for _, v := range visits {
		g.ticketNo[v.cat]++
		v.ticket.Number = fmt.Sprintf("%c%03d", v.cat, g.ticketNo[v.cat])
		v.ticket.Day = dayKey(day)
		v.ticket.CategoryID = g.cats[v.cat].ID
	}
	// Queue: each window calls the next waiting ticket of its category,
	// priority tickets (elderly, disabled) first; lunch break 12:00–14:00.
	for _, c := range categoryDefs {
		var wins []int
		for i := range g.windows {
			if g.winCat[i] == c.Prefix {
				wins = append(wins, i)
			}
		}
		free := map[int]time.Time{}
		for _, w := range wins {
			free[w] = at(day, 8, 30)
		}
		var pending []*visit
		for _, v := range visits {
			if v.cat == c.Prefix {
				pending = append(pending, v)
			}
		}
		for len(pending) > 0 {
			w := wins[0]
			for _, x := range wins[1:] {
				if free[x].Before(free[w]) {
					w = x
				}
			}
			t := free[w]
			if !t.Before(at(day, 12, 0)) && t.Before(at(day, 14, 0)) {
				t = at(day, 14, 0)
			}
			if !t.Before(at(day, 18, 0)) {
				break // the rest go home; their tickets are not called
			}
			pick := -1
			for i, v := range pending {
				if v.ticket.IssuedAt.After(t) {
					break
				}
				if pick < 0 || (v.ticket.Priority && !pending[pick].ticket.Priority) {
					pick = i
				}
			}
			if pick < 0 {
				free[w] = pending[0].ticket.IssuedAt
				continue
			}
			v := pending[pick]
			pending = slices.Delete(pending, pick, pick+1)
			v.window = w
			v.start = t.Add(time.Duration(20+g.r.IntN(40)) * time.Second)
			if v.noShow {
				v.end = v.start.Add(2 * time.Minute)
			} else {
				g.planVisit(v)
				dur := 4 + g.r.IntN(10)
				if !v.instant {
					dur += 6 + g.r.IntN(12)
				}
				dur += 3 * (len(v.items) - 1)
				v.end = v.start.Add(time.Duration(dur)*time.Minute + time.Duration(g.r.IntN(60))*time.Second)
			}
			free[w] = v.end
			// One write per record: a ticket and its transactions are stored when
			// the clerk finishes, with the times of the call and of completion
			// (fsync per commit makes the number of commits the demo's cost).
			g.push(v.end, func() error { return g.call(v) })
		}
	}
}

// planVisit decides what a visitor came for.
func (g *gen) planVisit(v *visit) {
	v.who = g.person(v.ticket.Priority || g.r.Float64() < 0.15)
	if v.who.elderly && g.r.Float64() < 0.5 || g.r.Float64() < 0.03 {
		v.agent = g.name() + "（" + agentKinds[g.r.IntN(len(agentKinds))] + "）"
	}
	u := g.r.Float64()
	switch {
	case v.cat == 'A' && u < 0.06:
		th := themes[g.r.IntN(len(themes))]
		v.parent = &app.Transaction{ItemCode: th.Item.Code}
		for _, c := range th.Children {
			v.items = append(v.items, g.items[c])
		}
		v.instant = true
	case u < 0.14:
		it := g.pickItem(v.cat, true)
		n := 2 + g.r.IntN(3)
		for range n {
			v.items = append(v.items, it)
		}
		v.instant = it.Instant
		v.promised = it.PromiseDays
	default:
		it := g.pickItem(v.cat, false)
		v.items = []itemDef{it}
		v.instant = it.Instant
		v.promised = it.PromiseDays
	}
	v.outcome = app.TxCompleted
	if v.instant {
		switch u := g.r.Float64(); {
		case u < 0.035:
			v.outcome = app.TxReturned // 材料不全，一次性告知后退件
		case u < 0.045:
			v.outcome = app.TxRefused // 不属于受理范围
		}
	}
}

// pickItem draws an item of the category by weight; batchable items only
// (参保登记 for a family, several declarations at once) when batch is set.
func (g *gen) pickItem(cat byte, batch bool) itemDef {
	list := g.byCat[cat]
	if batch {
		var b []itemDef
		for _, it := range list {
			if it.Instant || it.Code == "MZ004" || it.Code == "RS005" {
				b = append(b, it)
			}
		}
		list = b
	}
	total := 0
	for _, it := range list {
		total += it.Weight
	}
	u := g.r.IntN(total)
	for _, it := range list {
		if u < it.Weight {
			return it
		}
		u -= it.Weight
	}
	return list[len(list)-1]
}

// call stores the called ticket and, if the person came, the business done:
// 即办件 completed (or returned / refused), 承诺件 accepted.
func (g *gen) call(v *visit) error {
	clerk := g.onDuty[v.window]
	win := g.windows[v.window]
	v.ticket.CalledAt = v.start
	v.ticket.WindowID = win.ID
	v.ticket.ClerkID = clerk.ID
	v.ticket.NoShow = v.noShow
	if !v.noShow {
		v.ticket.ServedAt = v.start
		v.ticket.DoneAt = v.end
	}
	id, err := g.st.AddTicket(g.ctx, v.ticket)
	if err != nil {
		return fmt.Errorf("add ticket: %w", err)
	}
	v.ticket.ID = id
	g.res.Tickets++
	if v.noShow {
		g.res.NoShows++
		return nil
	}
	now := g.clk.Now()
	base := app.Transaction{
		ApplicantName: v.who.name, IDMasked: app.MaskID(v.who.id), IDHash: app.HashID(g.opt.IDKey, v.who.id),
		Phone: v.who.tel, AgentName: v.agent, WindowID: win.ID, ClerkID: clerk.ID, TicketID: id,
		Status: app.TxAccepted, Visits: 1, CreatedAt: v.start, AcceptedAt: v.start.Add(time.Minute), BatchCount: 1,
	}
	if v.instant {
		base.Status, base.CompletedAt = v.outcome, now
		if v.outcome != app.TxCompleted {
			base.AcceptedAt = time.Time{} // 退件 / 不予受理: never accepted
		}
	}
	if v.parent != nil {
		p := base
		p.ItemCode, p.IsTheme = v.parent.ItemCode, true
		p, err = g.st.AddTransaction(g.ctx, p)
		if err != nil {
			return fmt.Errorf("add theme transaction: %w", err)
		}
		v.parent = &p
		base.ThemeParentID = p.ID
	}
	if v.parent == nil && len(v.items) > 1 {
		base.BatchID = fmt.Sprintf("B%s-%d", now.Format("20060102"), v.ticket.ID)
	}
	for _, it := range v.items {
		tx := base
		tx.ItemCode = it.Code
		tx, err = g.st.AddTransaction(g.ctx, tx)
		if err != nil {
			return fmt.Errorf("add transaction: %w", err)
		}
		v.txs = append(v.txs, tx)
		g.res.Transactions++
	}
	return g.finishVisit(v)
}

// finishVisit lets the person rate a 即办件, or a 承诺件's first visit, and
// schedules the 承诺件's pick-up.
func (g *gen) finishVisit(v *visit) error {
	now := g.clk.Now()
	if v.instant {
		g.rateFinished(v, now)
		return nil
	}
	// 承诺件: rated for this visit at the window, or not (TA: each visit may be rated).
	if g.r.Float64() < 0.55 {
		ch := app.ChannelKeypad
		if g.r.Float64() < 0.1 {
			ch = app.ChannelTablet
		}
		g.rate(v, v.txs[0], ch, now.Add(20*time.Second), rateOpt{})
		v.rated1 = true
	}
	// Done within the promised working days; a fifth are posted to the applicant.
	wd := 1 + g.r.IntN(max(1, v.promised))
	if g.r.Float64() < 0.08 {
		wd = v.promised + 1 + g.r.IntN(3) // overdue: still rated (GB39734 7.2.3)
	}
	due := g.cal.AddWorkdays(now, wd)
	v.byPost = g.r.Float64() < 0.2
	k := dayKey(due)
	g.pickups[k] = append(g.pickups[k], v)
	g.pendingPickups++
	return nil
}

// schedulePickups: results of 承诺件 due today are handed over at the 出件 window
// (or posted, completing without a visit).
func (g *gen) schedulePickups(day time.Time) {
	list := g.pickups[dayKey(day)]
	delete(g.pickups, dayKey(day))
	out := 3 // index of the 出件 window
	for _, v := range list {
		t := at(day, 9, 0).Add(time.Duration(g.r.IntN(7*3600)) * time.Second)
		if t.Hour() == 12 || t.Hour() == 13 {
			t = t.Add(2 * time.Hour)
		}
		g.push(t, func() error {
			g.pendingPickups--
			now := g.clk.Now()
			for i := range v.txs {
				tx := &v.txs[i]
				tx.Status, tx.CompletedAt = app.TxCompleted, now
				if !v.byPost {
					tx.Visits++
					tx.WindowID, tx.ClerkID = g.windows[out].ID, g.onDuty[out].ID
				}
				if err := g.st.UpdateTransaction(g.ctx, *tx); err != nil {
					return fmt.Errorf("complete transaction: %w", err)
				}
			}
			if v.byPost {
				// Posted: rated (if at all) by phone or SMS afterwards.
				if !v.rated1 && g.r.Float64() < 0.5 {
					ch := app.ChannelSMS
					if g.r.Float64() < 0.5 {
						ch = app.ChannelQR
					}
					g.rate(v, v.txs[0], ch, now.Add(time.Duration(1+g.r.IntN(30))*time.Hour), rateOpt{})
				}
				return nil
			}
			v.pickup = true
			g.rateFinished(v, now)
			return nil
		})
	}
}

// ---- ratings ----

// rateFinished lets the person rate a finished visit through one channel, or not at all.
func (g *gen) rateFinished(v *visit, end time.Time) {
	target := v.txs[0]
	if v.parent != nil {
		if g.r.Float64() < 0.3 {
			// GB39734 7.1.3: each item of the theme rated separately at the window.
			for _, tx := range v.txs {
				g.rate(v, tx, app.ChannelKeypad, end.Add(20*time.Second), rateOpt{})
			}
			return
		}
		target = *v.parent
	}
	u := g.r.Float64()
	d := func(min, max time.Duration) time.Time {
		return end.Add(min + time.Duration(g.r.Int64N(int64(max-min))))
	}
	closing := func(min time.Duration) time.Time { // the manager enters forms after closing
		t := at(end, 17, 20)
		if t.Before(end.Add(min)) {
			t = end.Add(min)
		}
		return t
	}
	switch {
	case u < 0.09: // not rated: becomes a timeout
		if g.r.Float64() < 0.1 {
			// scans the receipt QR code long after the window: refused
			g.rate(v, target, app.ChannelQR, end.AddDate(0, 0, 20+g.r.IntN(5)), rateOpt{expect: "window_closed"})
		}
	case u < 0.70:
		g.rate(v, target, app.ChannelKeypad, end.Add(20*time.Second), rateOpt{})
	case u < 0.77:
		g.rate(v, target, app.ChannelTablet, end.Add(25*time.Second), rateOpt{})
	case u < 0.85:
		g.rate(v, target, app.ChannelQR, d(10*time.Minute, 30*time.Hour), rateOpt{})
	case u < 0.89:
		// paper form filled in the hall, entered by the manager after closing
		g.rate(v, target, app.ChannelPaper, closing(15*time.Minute), rateOpt{actor: g.manager, ratedAt: end.Add(3 * time.Minute)})
	case u < 0.92:
		g.rate(v, target, app.ChannelSMS, d(18*time.Hour, 40*time.Hour), rateOpt{})
	case u < 0.935:
		g.rate(v, target, app.ChannelHotline, d(20*time.Hour, 70*time.Hour), rateOpt{actor: g.manager})
	case u < 0.95:
		g.rate(v, target, app.ChannelBook, closing(20*time.Minute), rateOpt{actor: g.manager, ratedAt: end.Add(4 * time.Minute)})
	default:
		// 办件随机抽评: the manager phones the applicant the next working day
		next := g.cal.AddWorkdays(end, 1)
		g.rate(v, target, app.ChannelCallback, at(next, 10, 0).Add(time.Duration(g.r.IntN(5400))*time.Second), rateOpt{actor: g.manager})
	}
}

func (g *gen) level() app.Level {
	switch u := g.r.Float64(); {
	case u < 0.70:
		return app.LevelVeryGood
	case u < 0.88:
		return app.LevelGood
	case u < 0.96:
		return app.LevelBasic
	case u < 0.98:
		return app.LevelBad
	default:
		return app.LevelVeryBad
	}
}

func (g *gen) content(req *app.RateRequest) {
	req.Tags, req.Text = nil, ""
	if g.p.IsBad(req.Level) {
		if tags := g.p.Tags.Bad; len(tags) > 0 {
			req.Tags = []string{tags[g.r.IntN(len(tags))]}
		}
		req.Text = badTexts[g.r.IntN(len(badTexts))]
		return
	}
	if tags := g.p.Tags.Good; len(tags) > 0 && g.r.Float64() < 0.3 {
		req.Tags = []string{tags[g.r.IntN(len(tags))]}
	}
	if g.r.Float64() < 0.1 {
		req.Text = goodTexts[g.r.IntN(len(goodTexts))]
	}
}

// rateOpt: who enters the rating (staff channels), the refusal the rules must
// give ("" = accepted), and the date on a paper form or in the book.
type rateOpt struct {
	actor   *app.Staff
	expect  app.Code
	ratedAt time.Time
}

// rate schedules a rating of target through ch at time when.
func (g *gen) rate(v *visit, target app.Transaction, ch app.Channel, when time.Time, o rateOpt) {
	req := app.RateRequest{TransactionID: target.ID, Level: g.level(), Channel: ch, EvaluatorName: v.who.name,
		EvaluatorTel: v.who.tel, RatedAt: o.ratedAt}
	if ch == app.ChannelKeypad || ch == app.ChannelTablet {
		req.Device = fmt.Sprintf("W%02d-%s", g.winNumber(target.WindowID), ch)
	}
	if v.agent != "" && g.r.Float64() < 0.6 {
		req.Rater = app.RaterAgent
		req.EvaluatorName = strings.SplitN(v.agent, "（", 2)[0]
	}
	g.content(&req)
	g.push(when, func() error {
		if ch == app.ChannelPaper {
			g.formSeq++
			req.FormNo = fmt.Sprintf("PJ%s-%04d", g.clk.Now().Format("2006"), g.formSeq)
		}
		// The receipt's QR code and the keypad carry the transaction; a paper
		// form or a hotline call gives the serial, which the manager types in.
		if ch == app.ChannelPaper || ch == app.ChannelHotline {
			req.TransactionID, req.Serial = 0, target.Serial
		}
		rows, ok := g.attempt(o.actor, req, o.expect)
		if ok && o.expect == "" {
			g.afterRating(v, target, req, rows)
		}
		return nil
	})
}

func (g *gen) winNumber(id int64) int {
	for _, w := range g.windows {
		if w.ID == id {
			return w.Number
		}
	}
	return 0
}

// attempt calls Service.Rate. expect is the refusal code the rules must give
// ("" when the rating should be accepted). Unexpected outcomes are anomalies.
func (g *gen) attempt(actor *app.Staff, req app.RateRequest, expect app.Code) ([]app.Evaluation, bool) {
	rows, err := g.svc.Rate(g.ctx, actor, req)
	code := app.ErrorCode(err)
	switch {
	case err == nil && expect == "":
		g.res.Ratings++
		g.res.Rows += len(rows)
		if req.FollowUp {
			g.res.FollowUps++
		}
		return rows, true
	case err == nil:
		g.anomaly("rating accepted, expected refusal %s (tx %d %s)", expect, req.TransactionID, req.Channel)
		g.res.Ratings++
		g.res.Rows += len(rows)
		return rows, true
	// A late rating is refused as window_closed, or as timed_out once the
	// visit's timeout row has been settled: both are the expected "too late".
	case code != "" && (code == expect || expect == "window_closed" && code == "timed_out"):
		g.res.Refused[code]++
		return nil, false
	case code != "":
		g.anomaly("rating refused %s: %s (tx %d %s %s)", code, app.UserMessage(err), req.TransactionID, req.Serial, req.Channel)
		return nil, false
	default:
		g.anomaly("rating failed: %v", err)
		return nil, false
	}
}

func (g *gen) anomaly(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	g.log.Warn("demo anomaly", "detail", msg, "at", g.clk.Now())
	if len(g.res.Anomalies) < 100 {
		g.res.Anomalies = append(g.res.Anomalies, msg)
	}
}

// afterRating tries what the rules must refuse, and follow-ups and corrections.
func (g *gen) afterRating(v *visit, target app.Transaction, req app.RateRequest, rows []app.Evaluation) {
	now := g.clk.Now()
	// Later attempts name the visit that was rated, as a receipt's QR code does:
	// a 承诺件 picked up in between has a new, unrated visit.
	for _, r := range rows {
		if r.TransactionID == target.ID || (target.IsTheme && r.Visit > 0) {
			req.Visit = r.Visit
			break
		}
	}
	switch {
	case req.Channel == app.ChannelKeypad && g.r.Float64() < 0.03:
		// The person presses the keypad again: one rating per visit.
		again := req
		again.Level = g.level()
		g.content(&again)
		g.push(now.Add(3*time.Second), func() error { g.attempt(nil, again, app.CodeAlreadyRated); return nil })
	case v.agent != "" && g.r.Float64() < 0.3:
		// SZ 14: after the agent (or the applicant) rated, the other cannot.
		other := req
		other.Channel, other.Device = app.ChannelQR, ""
		if req.Rater == app.RaterAgent {
			other.Rater, other.EvaluatorName = app.RaterApplicant, v.who.name
		} else {
			other.Rater, other.EvaluatorName = app.RaterAgent, strings.SplitN(v.agent, "（", 2)[0]
		}
		g.push(now.Add(time.Duration(1+g.r.IntN(20))*time.Hour), func() error {
			g.attempt(nil, other, app.CodeAlreadyRated)
			return nil
		})
	}
	// A paper form keyed as 非常满意 that said 满意: on re-checking the forms the
	// manager corrects it; the correction is a new row pointing at the old one (SZ 27).
	if req.Channel == app.ChannelPaper && len(rows) == 1 && req.Level == app.LevelVeryGood && g.r.Float64() < 0.15 {
		fix := app.RateRequest{Level: app.LevelGood}
		id := rows[0].ID
		g.push(now.Add(5*time.Minute), func() error {
			if _, err := g.svc.Correct(g.ctx, g.manager, id, fix, "复核纸质评价表，录入时选错等级，按原表更正"); err != nil {
				g.anomaly("correct: %v", err)
				return nil
			}
			g.res.Corrections++
			return nil
		})
	}
	// Follow-up ratings (SZ 16): only where the profile has them; elsewhere the
	// rules must refuse them.
	if g.r.Float64() < 0.02 && !target.IsTheme && !g.followed[target.ID] {
		g.followed[target.ID] = true
		fu := app.RateRequest{TransactionID: target.ID, Level: app.LevelVeryGood, Channel: app.ChannelQR,
			FollowUp: true, EvaluatorName: req.EvaluatorName, EvaluatorTel: req.EvaluatorTel}
		if g.r.Float64() < 0.3 {
			fu.Level = app.LevelGood
		}
		when := now.Add(time.Duration(24+g.r.IntN(20*24)) * time.Hour)
		if g.p.Rating.FollowUp.IsZero() {
			g.push(when, func() error { g.attempt(nil, fu, "no_followup"); return nil })
			return
		}
		g.push(when, func() error {
			if _, ok := g.attempt(nil, fu, ""); ok && g.r.Float64() < 0.25 {
				twice := fu
				g.push(g.clk.Now().Add(48*time.Hour), func() error { g.attempt(nil, twice, "followup_twice"); return nil })
			}
			return nil
		})
	}
}
