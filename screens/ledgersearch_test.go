package screens

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/xuri/excelize/v2"

	"bianmin/app"
	"bianmin/cli"
)

// The ledger as a manager's tool, on a demo centre's real database: found by
// 工单号, by part of a 流水号 and by the clerk's name; narrowed by category
// and date range (a bad date said, not guessed); and exported as shown to an
// xlsx whose rows are exactly the orders listed.
func TestLedgerSearchAndExport(t *testing.T) {
	svc, db, m := demoCentre(t)
	ctx := context.Background()
	env := syncEnv(t)
	dir := t.TempDir()
	d := NewDashboard(env, svc, m)
	d.ExportLedger = func(ctx context.Context, actor *app.Staff, f app.LedgerFilter) (string, error) {
		return cli.SaveLedgerXLSX(ctx, svc, actor, filepath.Join(dir, "bianmin.db"), f)
	}
	d.PrintSheets = func(ctx context.Context, actor *app.Staff, ids []int64) (string, error) {
		return cli.SaveWorkOrders(ctx, svc, actor, filepath.Join(dir, "bianmin.db"), ids)
	}
	env.Win.SetContent(d.Content())
	d.openLedger()
	l := d.LedgerScreen
	l.Filter.SetSelected("全部")
	all := append([]app.LedgerEntry(nil), l.Entries...)
	if len(all) < 3 {
		t.Fatalf("the demo centre has %d orders", len(all))
	}
	search := func(q string) []app.LedgerEntry {
		t.Helper()
		l.Search.SetText(q)
		l.Search.TypedKey(key("Return"))
		return l.Entries
	}

	target := all[len(all)/2]
	// By 工单号: that order first (others whose 流水号 or number contains the digits follow).
	if got := search(strconv.FormatInt(target.Order.ID, 10)); len(got) == 0 || got[0].Order.ID != target.Order.ID {
		t.Errorf("by 工单号 %d: first of %d is not it", target.Order.ID, len(got))
	}
	if target.Serial == "" {
		t.Fatal("a ledger entry without its 流水号")
	}
	part := target.Serial[len(target.Serial)-6:]
	got := search(part)
	found := false
	for _, e := range got {
		found = found || e.Order.ID == target.Order.ID
		if !strings.Contains(e.Serial, part) && strconv.FormatInt(e.Order.ID, 10) != part &&
			!strings.Contains(e.ItemName+e.ClerkName+e.AssigneeName+e.Order.ItemCode, part) && !clerkNoHas(t, svc, e, part) {
			t.Errorf("searching %q found order %d (%s)", part, e.Order.ID, e.Serial)
		}
	}
	if !found {
		t.Errorf("part of the 流水号 %q did not find order %d", part, target.Order.ID)
	}
	if target.ClerkName != "" {
		for _, e := range search(target.ClerkName) {
			if e.ClerkName != target.ClerkName && e.AssigneeName != target.ClerkName {
				t.Errorf("by name %q: order %d of %q", target.ClerkName, e.Order.ID, e.ClerkName)
			}
		}
	}
	search("")
	if len(l.Entries) != len(all) {
		t.Fatalf("clearing the search: %d orders, want %d", len(l.Entries), len(all))
	}

	// Category and dates.
	l.CategoryFilter.SetSelected(app.CatStaff.Name())
	for _, e := range l.Entries {
		if e.Order.Category != app.CatStaff {
			t.Errorf("category filter let order %d (%s) through", e.Order.ID, e.Order.Category)
		}
	}
	l.CategoryFilter.SetSelected("全部类别")
	day := target.Order.CreatedAt.In(app.ChinaTime).Format("2006-01-02")
	l.From.SetText(day)
	l.To.SetText(day)
	l.Reload()
	if len(l.Entries) == 0 {
		t.Fatal("the order's own day found nothing")
	}
	for _, e := range l.Entries {
		if e.Order.CreatedAt.In(app.ChinaTime).Format("2006-01-02") != day {
			t.Errorf("date %s let an order of %s through", day, e.Order.CreatedAt)
		}
	}
	l.To.SetText("2026/11/30")
	l.Reload()
	if !strings.Contains(l.Count.Text, "年-月-日") {
		t.Errorf("a bad date: %q", l.Count.Text)
	}
	l.To.SetText(day)
	l.Reload()
	shown := len(l.Entries)

	// Export what is shown.
	if !l.Export.Visible() {
		t.Fatal("导出 Excel hidden")
	}
	test.Tap(l.Export)
	if l.Exported == "" {
		t.Fatal("nothing exported")
	}
	x, err := excelize.OpenFile(l.Exported)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != shown {
		t.Errorf("the xlsx has %d orders, the screen %d", len(rows)-1, shown)
	}
	ids := map[string]bool{}
	for _, e := range l.Entries {
		ids[strconv.FormatInt(e.Order.ID, 10)] = true
	}
	for _, r := range rows[1:] {
		if !ids[r[0]] {
			t.Errorf("the xlsx has order %s, not on the screen", r[0])
		}
	}

	// Print what is listed: one sheet (at least one page) per order, in one PDF.
	test.Tap(l.PrintListed)
	if l.Printed == "" {
		t.Fatal("nothing printed")
	}
	if _, err := exec.LookPath("pdfinfo"); err == nil {
		out, err := exec.Command("pdfinfo", l.Printed).Output()
		if err != nil {
			t.Fatal(err)
		}
		var pages int
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "Pages:") {
				pages, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Pages:")))
			}
		}
		if pages < shown {
			t.Errorf("%d orders listed, %d pages printed", shown, pages)
		}
	}
	_ = db
	_ = ctx
}

// clerkNoHas: the order's clerk's 工号 contains part (a match the search allows).
func clerkNoHas(t *testing.T, svc *app.Service, e app.LedgerEntry, part string) bool {
	t.Helper()
	staff, err := svc.Records().AllStaff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range staff {
		if s.ID == e.Order.ClerkID {
			return strings.Contains(s.No, part)
		}
	}
	return false
}
