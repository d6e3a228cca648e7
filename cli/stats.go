package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin/app"
	"bianmin/wire"
)

// statsJSON is the output of `stats --json`: the metrics flat at the top
// level (app.Metrics and its app.Counts are embedded), the period with an
// inclusive end, and the groups when --by was given.
type statsJSON struct {
	From    string `json:"from"`
	To      string `json:"to"` // inclusive
	Centre  string `json:"centre"`
	Profile string `json:"profile"`
	By      string `json:"by,omitempty"`
	app.Metrics
	Groups *[]app.Group `json:"groups,omitempty"`
}

func (c *cmd) stats(args []string) int {
	fs, db := c.flags("stats", "--db PATH --from YYYY-MM-DD --to YYYY-MM-DD [--by window|clerk|item] [--json]")
	now := time.Now().In(app.ChinaTime)
	from := fs.String("from", now.Format("2006-01")+"-01", "开始日期 / first day")
	to := fs.String("to", now.Format("2006-01-02"), "结束日期（含当天）/ last day, inclusive")
	by := fs.String("by", "", "分组 / group by: window, clerk or item")
	asJSON := fs.Bool("json", false, "输出JSON / JSON output")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	f, t, err := parsePeriod(*from, *to, true)
	if err != nil {
		return c.usageErr("日期格式应为 YYYY-MM-DD，且结束日期不早于开始日期。", err.Error())
	}
	group, ok := app.ParseGroupBy(*by)
	if !ok {
		return c.usageErr("--by 只能是 window（窗口）、clerk（人员）或 item（事项）。", fmt.Sprintf("bad --by %q", *by))
	}
	svc, d, err := wire.Open(c.ctx, *db, c.log, wire.ModeReport)
	if err != nil {
		return c.fail("stats", err)
	}
	defer d.Close()
	// Ratings whose window has passed count as 未评 only once recorded.
	if n, err := svc.SettleTimeouts(c.ctx); err != nil {
		c.log.Warn("timeouts not settled (read-only?)", "err", err)
	} else if n > 0 {
		c.log.Info("timeouts settled", "count", n)
	}
	rep, err := svc.Stats(c.ctx, f, t, group)
	if err != nil {
		return c.fail("stats", err)
	}
	centre, _ := d.Centre(c.ctx)
	if *asJSON {
		out := statsJSON{From: *from, To: *to, Centre: centre.Name, Profile: rep.Profile, By: string(group), Metrics: rep.Metrics}
		if group != app.ByNone {
			g := rep.Groups
			if g == nil {
				g = []app.Group{}
			}
			out.Groups = &g
		}
		enc := json.NewEncoder(c.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return c.fail("stats", err)
		}
		return 0
	}
	writeStatsText(c.out, centre, svc.Profile, *from, *to, rep)
	return 0
}

// pct renders a rate as a percentage with one decimal, "—" when undefined.
func pct(r *float64) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

func frac(n, d int) string { return fmt.Sprintf("%d / %d", n, d) }

// width is the display width: CJK and full-width characters take two columns.
func width(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r == '—':
			w++
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
			(r >= 0xffe0 && r <= 0xffe6)):
			w += 2
		default:
			w++
		}
	}
	return w
}

// table prints rows with columns padded to their display width.
func table(w io.Writer, rows [][]string, rightFrom int) {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	wid := make([]int, cols)
	for _, r := range rows {
		for i, cell := range r {
			wid[i] = max(wid[i], width(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			pad := strings.Repeat(" ", wid[i]-width(cell))
			if i >= rightFrom {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func writeStatsText(w io.Writer, centre app.Centre, p *app.Profile, from, to string, rep *app.StatsReport) {
	m := rep.Metrics
	fmt.Fprintf(w, "%s 政务服务“好差评”统计\n", centre.Name)
	fmt.Fprintf(w, "统计期间：%s 至 %s（含）    评价规则：%s\n\n", from, to, p.Title)
	score := "—"
	if m.Score != nil {
		score = fmt.Sprintf("%.2f", *m.Score)
	}
	rows := [][]string{
		{"指标", "数值", "分子 / 分母"},
		{"好评率", pct(m.GoodRate), frac(m.Total-m.ValidBad, m.Total)},
		{"主动评价好评率", pct(m.ActiveGoodRate), frac(m.ActiveGood, m.Active-m.InvalidBad)},
		{"未评率", pct(m.UnratedRate), frac(m.TimeoutUnrated+m.InvalidBad, m.Total)},
		{"差评回复率", pct(m.BadReplyRate), frac(m.Replied, m.BadOrders)},
		{"差评回访整改率", pct(m.BadRectifyRate), frac(m.Rectified, m.ValidBadOrders)},
		{"差评回访整改满意率", pct(m.BadRectifySatisfiedRate), frac(m.RectifySatisfied, m.Rectified)},
		{"主动评价率（办件）", pct(m.ActiveRate), frac(m.ActiveRatedTx, m.Transactions)},
		{"平均得分", score, frac(m.ScoreSum, m.Scored)},
	}
	table(w, rows, 1)
	fmt.Fprintln(w)
	counts := [][]string{
		{"评价总次数", fmt.Sprint(m.Total), "主动评价", fmt.Sprint(m.Active), "超时未评", fmt.Sprint(m.TimeoutUnrated)},
		{"有效差评", fmt.Sprint(m.ValidBad), "无效差评", fmt.Sprint(m.InvalidBad), "主动好评", fmt.Sprint(m.ActiveGood)},
		{"差评工单", fmt.Sprint(m.BadOrders), "已回复", fmt.Sprint(m.Replied), "现场化解", fmt.Sprint(m.OnSite)},
		{"回访已整改", fmt.Sprint(m.Rectified), "整改满意", fmt.Sprint(m.RectifySatisfied), "追加评价", fmt.Sprint(m.FollowUps)},
	}
	table(w, counts, 99)
	if len(m.ByChannel) > 0 {
		var parts []string
		for _, ch := range app.Channels() {
			if n := m.ByChannel[ch]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", ch.Name(), n))
			}
		}
		fmt.Fprintf(w, "\n评价渠道：%s\n", strings.Join(parts, "，"))
	}
	if rep.By == app.ByNone {
		return
	}
	title := map[app.GroupBy]string{app.ByWindow: "窗口", app.ByClerk: "工作人员", app.ByItem: "事项"}[rep.By]
	fmt.Fprintf(w, "\n按%s：\n", title)
	g := [][]string{{title, "评价数", "好评率", "主动好评率", "未评率", "差评", "回复率", "整改率", "满意率", "得分"}}
	for _, x := range rep.Groups {
		label := x.Label
		if utf8.RuneCountInString(label) > 24 {
			label = string([]rune(label)[:23]) + "…"
		}
		sc := "—"
		if x.Score != nil {
			sc = fmt.Sprintf("%.2f", *x.Score)
		}
		g = append(g, []string{label, fmt.Sprint(x.Total), pct(x.GoodRate), pct(x.ActiveGoodRate), pct(x.UnratedRate),
			fmt.Sprint(x.ValidBad + x.InvalidBad), pct(x.BadReplyRate), pct(x.BadRectifyRate), pct(x.BadRectifySatisfiedRate), sc})
	}
	table(w, g, 1)
}
