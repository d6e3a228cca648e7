package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
)

// The call list of the last quarter holds the drawn transactions with masked
// phone numbers; recording a call stores a 电话回访 rating; the reminder export
// carries the full numbers for the SMS service.
func TestCallbackAndReminders(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	d, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	wid, _ := d.AddWindow(ctx, app.Window{Number: 2, Name: "综合受理", Kind: "综合受理", Active: true})
	_ = d.SaveItem(ctx, app.ServiceItem{Code: "I9", Name: "残疾人证申领", Instant: true, Active: true})
	staff, _ := d.AllStaff(ctx)
	now := time.Now().In(app.ChinaTime)
	last := app.QuarterOf(now)
	if last.Q == 1 {
		last = app.Quarter{Year: last.Year - 1, Q: 4}
	} else {
		last.Q--
	}
	from, _ := last.Bounds()
	serials := map[string]bool{}
	for i := 0; i < 8; i++ {
		at := from.AddDate(0, 0, 3*i).Add(10 * time.Hour)
		tx, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "I9", WindowID: wid, ClerkID: staff[0].ID,
			Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: at, CompletedAt: at,
			ApplicantName: "刘德华", Phone: fmt.Sprintf("1390000%04d", i)})
		if err != nil {
			t.Fatal(err)
		}
		serials[tx.Serial] = true
	}
	recent, err := d.AddTransaction(ctx, app.Transaction{ItemCode: "I9", WindowID: wid, ClerkID: staff[0].ID,
		Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: now.Add(-31 * time.Hour), CompletedAt: now.Add(-30 * time.Hour),
		ApplicantName: "刘德华", Phone: "13712345678"})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	pdf := filepath.Join(dir, "calls.pdf")
	code, out, errs := run(t, "callback", "--db", db, "--quarter", last.String(), "--n", "3", "--out", pdf)
	if code != 0 || !strings.Contains(out, "从 8 件中抽取 3 件") {
		t.Fatalf("callback: %d %s %s", code, out, errs)
	}
	var drawn []string
	if _, err := exec.LookPath("pdftotext"); err == nil {
		b, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for s := range serials {
			if strings.Contains(text, s) {
				drawn = append(drawn, s)
			}
		}
		if len(drawn) != 3 || strings.Contains(text, "13900000") || !strings.Contains(text, "139****") ||
			!strings.Contains(text, fmt.Sprintf("种子 %d", last.Year*10+last.Q)) {
			t.Fatalf("call list (%d drawn):\n%s", len(drawn), text)
		}
	}
	// The same quarter and seed print the same list.
	pdf2 := filepath.Join(dir, "calls2.pdf")
	if code, _, errs := run(t, "callback", "--db", db, "--quarter", last.String(), "--n", "3", "--out", pdf2); code != 0 {
		t.Fatal(errs)
	}
	if len(drawn) > 0 {
		b, _ := exec.Command("pdftotext", pdf2, "-").Output()
		for _, s := range drawn {
			if !strings.Contains(string(b), s) {
				t.Errorf("second draw lacks %s", s)
			}
		}
	}

	var target string
	for s := range serials {
		target = s
		break
	}
	if code, _, errs := run(t, "callback", "--db", db, "--record", target, "--level", "2"); code != 1 || !strings.Contains(errs, "差评须选择") {
		t.Errorf("bad answer without a reason: %d %s", code, errs)
	}
	if code, out, errs := run(t, "callback", "--db", db, "--record", target, "--level", "2", "--tags", "办事效率低"); code != 0 || !strings.Contains(out, "不满意") {
		t.Fatalf("record: %d %s %s", code, out, errs)
	}
	d, err = storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := d.TransactionBySerial(ctx, target)
	evs, _ := d.EvaluationsFor(ctx, []int64{tx.ID})
	orders, _ := d.WorkOrders(ctx, app.OrderFilter{})
	d.Close()
	if len(evs) != 1 || evs[0].Channel != app.ChannelCallback || evs[0].Level != app.LevelBad || len(orders) != 1 {
		t.Errorf("stored %+v, %d orders", evs, len(orders))
	}

	csvPath := filepath.Join(dir, "remind.csv")
	if code, out, errs := run(t, "reminders", "--db", db, "--out", csvPath); code != 0 || !strings.Contains(out, "1 件") {
		t.Fatalf("reminders: %d %s %s", code, out, errs)
	}
	rows := readCSV(t, csvPath)
	if len(rows) != 1 || rows[0]["流水号"] != recent.Serial || rows[0]["手机号码"] != "13712345678" || strings.Contains(rows[0]["申请人"], "德华") {
		t.Errorf("reminder rows %v", rows)
	}
	if code, _, _ := run(t, "reminders", "--db", db, "--out", filepath.Join(dir, "x.txt")); code != 2 {
		t.Errorf("a .txt export was not refused as usage: %d", code)
	}
}
