package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bianmin/app"
	"bianmin/wire"
)

// `bianmin workorder` prints one sheet per order with the order's serial,
// item, steps and deadlines; the evaluator's phone stays masked; an unknown
// order is a Chinese refusal and no file.
func TestWorkOrderSheets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bianmin.db")
	demoDB(t, db, 20, 0, reportEnd) // the report tests' template
	ctx := context.Background()
	svc, d, err := wire.OpenService(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	mgr, _ := firstManager(ctx, svc)
	all, err := svc.Records().WorkOrders(ctx, app.OrderFilter{})
	if err != nil || len(all) < 2 {
		t.Fatalf("%d orders (%v)", len(all), err)
	}
	a, _ := svc.OrderDetail(ctx, mgr, all[0].ID)
	b, _ := svc.OrderDetail(ctx, mgr, all[1].ID)
	d.Close()

	pdf := filepath.Join(dir, "orders.pdf")
	code, out, errs := run(t, "workorder", "--db", db, "--id", fmt.Sprintf("%d,%d", a.Order.ID, b.Order.ID), "--out", pdf)
	if code != 0 || !strings.Contains(out, "2 张") {
		t.Fatalf("workorder: %d %s %s", code, out, errs)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	raw, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), " ", "")
	for _, want := range []string{a.Serial, b.Serial, a.ItemName, "办理时限", "处理经过", "联系评价人", "中心负责人："} {
		if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
			t.Errorf("sheet lacks %q:\n%s", want, text)
		}
	}
	if pages, _ := exec.Command("pdfinfo", pdf).Output(); !strings.Contains(string(pages), "Pages:") {
		t.Log("pdfinfo unavailable")
	}
	if strings.Count(text, "政务服务差评工单") < 2 {
		t.Errorf("expected a sheet per order:\n%s", text)
	}
	missing := filepath.Join(dir, "none.pdf")
	if code, _, errs := run(t, "workorder", "--db", db, "--id", "999999", "--out", missing); code != 1 || !strings.Contains(errs, "未找到差评工单") {
		t.Errorf("unknown order: %d %s", code, errs)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a refused sheet left a file")
	}
}
