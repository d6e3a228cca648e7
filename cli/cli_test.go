package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/wire"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// runWith is run with the command changed by set first (its clock, how it
// opens files), as Run makes it otherwise.
func runWith(t *testing.T, set func(c *cmd), args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := newCmd(context.Background(), &out, &errb)
	c.open = func(string) error { return errors.New("no viewer in tests") }
	set(c)
	code := c.run(args)
	return code, out.String(), errb.String()
}

func hashFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func initDB(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "bianmin.db")
	code, out, errs := run(t, "init", "--db", db, "--profile", "national", "--centre", "测试镇便民服务中心", "--area", "370911105000")
	if code != 0 {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "123456") {
		t.Errorf("no default-PIN warning: %s", errs)
	}
	return db
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatalf("%s: no UTF-8 BOM", path)
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func rate(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errs := run(t, "frobnicate"); code != 2 || !strings.Contains(errs, "未知命令") {
		t.Fatalf("code %d: %s", code, errs)
	}
	if code, _, _ := run(t); code != 2 {
		t.Fatalf("no args: %d", code)
	}
	if code, _, _ := run(t, "stats", "--by", "nonsense", "--db", filepath.Join(t.TempDir(), "x.db")); code != 2 {
		t.Fatalf("bad --by: %d", code)
	}
}

// TestDemoStatsMatchExports: the six GB/T 39735 rates of `stats --json`
// recomputed from the evaluations and work-order CSV exports.
func TestDemoStatsMatchExports(t *testing.T) {
	dir := t.TempDir()
	db := initDB(t, dir)
	if code, _, _ := run(t, "init", "--db", db, "--centre", "另一个", "--area", "370911105000"); code == 0 {
		t.Fatal("re-init without --force succeeded")
	}
	start := time.Now()
	code, out, errs := run(t, "demo", "--db", db, "--days", "10", "--seed", "1")
	if code != 0 {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errs)
	}
	t.Logf("demo 10 days: %v: %s", time.Since(start), out)

	if code, _, errs := run(t, "demo", "--db", db, "--days", "3"); code == 0 || !strings.Contains(errs, "已有窗口") {
		t.Errorf("second demo into a set-up centre: %d %s", code, errs)
	}
	now := time.Now().In(app.ChinaTime)
	from := now.AddDate(0, 0, -12).Format("2006-01-02")
	to := now.Format("2006-01-02")
	code, out, errs = run(t, "stats", "--db", db, "--from", from, "--to", to, "--json")
	if code != 0 {
		t.Fatalf("stats: %d\n%s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stats json: %v\n%s", err, out)
	}
	rates := []string{"good_rate", "active_good_rate", "unrated_rate", "bad_reply_rate", "bad_rectify_rate", "bad_rectify_satisfied_rate"}
	for _, k := range append(rates, "total", "active", "timeout_unrated", "valid_bad", "invalid_bad", "active_good",
		"bad_orders", "replied", "rectified", "rectify_satisfied") {
		if _, ok := got[k]; !ok {
			t.Errorf("stats --json: key %q missing (flat output expected)", k)
		}
	}
	if _, nested := got["Counts"]; nested {
		t.Error("stats --json nests Counts")
	}
	if got["total"].(float64) == 0 {
		t.Fatal("no ratings in the demo period")
	}

	// Recompute from the exports.
	evCSV, woCSV := filepath.Join(dir, "ev.csv"), filepath.Join(dir, "wo.csv")
	for what, f := range map[string]string{"evaluations": evCSV, "workorders": woCSV} {
		if code, _, errs := run(t, "export", "--db", db, "--what", what, "--format", "csv", "--out", f); code != 0 {
			t.Fatalf("export %s: %s", what, errs)
		}
	}
	lo, hi, _ := parsePeriod(from, to, true)
	in := func(s string) bool {
		tm, err := time.ParseInLocation(stamp, s, app.ChinaTime)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		return !tm.Before(lo) && tm.Before(hi)
	}
	var total, active, timeout, validBad, invalidBad, activeGood int
	for _, r := range readCSV(t, evCSV) {
		if !in(r["评价时间"]) || r["已被更正"] == "是" || r["评价类型"] == "追加评价" {
			continue
		}
		total++
		switch r["评价类型"] {
		case "超时未评":
			timeout++
		case "主动评价":
			active++
			switch {
			case r["差评"] == "是" && r["差评核实"] == "无效":
				invalidBad++
			case r["差评"] == "是":
				validBad++
			default:
				activeGood++
			}
		}
	}
	var orders, replied, validOrders, rectified, satisfied int
	for _, r := range readCSV(t, woCSV) {
		if !in(r["评价时间"]) {
			continue
		}
		orders++
		if r["答复时间"] != "" {
			replied++
		}
		if r["有效差评"] != "是" {
			continue
		}
		validOrders++
		if r["整改时间"] != "" && r["回访时间"] != "" {
			rectified++
			if r["回访满意"] == "是" {
				satisfied++
			}
		}
	}
	want := map[string]*float64{
		"good_rate":                  rate(total-validBad, total),
		"active_good_rate":           rate(activeGood, active-invalidBad),
		"unrated_rate":               rate(timeout+invalidBad, total),
		"bad_reply_rate":             rate(replied, orders),
		"bad_rectify_rate":           rate(rectified, validOrders),
		"bad_rectify_satisfied_rate": rate(satisfied, rectified),
	}
	for _, k := range rates {
		g, w := got[k], want[k]
		switch {
		case w == nil && g != nil:
			t.Errorf("%s: stats %v, recomputed undefined", k, g)
		case w != nil && g == nil:
			t.Errorf("%s: stats null, recomputed %v", k, *w)
		case w != nil && math.Abs(g.(float64)-*w) > 1e-9:
			t.Errorf("%s: stats %v, recomputed %v", k, g, *w)
		}
	}
	if int(got["total"].(float64)) != total || int(got["bad_orders"].(float64)) != orders {
		t.Errorf("counts: stats total %v orders %v, recomputed %d %d", got["total"], got["bad_orders"], total, orders)
	}

	// An empty period: every rate undefined (null), never 0 or 100%.
	code, out, _ = run(t, "stats", "--db", db, "--from", "2001-01-01", "--to", "2001-01-31", "--json", "--by", "window")
	if code != 0 {
		t.Fatal("stats on empty period failed")
	}
	var empty map[string]any
	_ = json.Unmarshal([]byte(out), &empty)
	for _, k := range rates {
		if v, ok := empty[k]; !ok || v != nil {
			t.Errorf("empty period %s = %v, want null", k, v)
		}
	}
	if _, ok := empty["groups"]; !ok {
		t.Error("--by without groups array")
	}
	// The text table.
	code, out, _ = run(t, "stats", "--db", db, "--from", from, "--to", to, "--by", "clerk")
	if code != 0 || !strings.Contains(out, "好评率") || !strings.Contains(out, "%") {
		t.Errorf("text stats: %d\n%s", code, out)
	}
	t.Log("\n" + out)
	// xlsx and transactions export.
	x := filepath.Join(dir, "tx.xlsx")
	if code, _, errs := run(t, "export", "--db", db, "--what", "transactions", "--format", "xlsx", "--out", x); code != 0 {
		t.Fatalf("xlsx: %s", errs)
	}
	if b, _ := os.ReadFile(x); len(b) < 1000 || string(b[:2]) != "PK" {
		t.Errorf("xlsx looks wrong: %d bytes", len(b))
	}
	// The export masks personal data.
	ev, _ := os.ReadFile(evCSV)
	// A manager opens it in Excel: headers, kinds, channels, dimensions and
	// yes/no columns are Chinese.
	ascii := func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }
	for _, f := range []string{evCSV, woCSV} {
		b, _ := os.ReadFile(f)
		if header, _, _ := strings.Cut(string(b), "\n"); strings.IndexFunc(header, ascii) >= 0 {
			t.Errorf("%s: English in the header %q", filepath.Base(f), header)
		}
	}
	for _, r := range readCSV(t, evCSV)[:20] {
		for _, col := range []string{"评价类型", "评价渠道", "评价对象", "主动评价", "差评", "已被更正"} {
			if v := r[col]; v == "" || strings.IndexFunc(v, ascii) >= 0 {
				t.Errorf("column %s is %q", col, v)
			}
		}
	}
	for _, r := range readCSV(t, evCSV) {
		if tel := r["评价人电话"]; tel != "" && !strings.Contains(tel, "****") {
			t.Fatalf("unmasked phone %q", tel)
		}
	}
	_ = ev

	// backup, then check the backup.
	bk := filepath.Join(dir, "backup.db")
	if code, _, errs := run(t, "backup", "--db", db, "--out", bk); code != 0 {
		t.Fatalf("backup: %s", errs)
	}
	if code, out, errs := run(t, "check", "--db", bk); code != 0 {
		t.Fatalf("check backup: %d %s %s", code, out, errs)
	}
	if code, _, _ := run(t, "backup", "--db", db, "--out", bk); code == 0 {
		t.Fatal("backup overwrote an existing file")
	}
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "new.db")
	code, _, errs := run(t, "init", "--db", db, "--profile", "nosuch", "--centre", "甲镇便民服务中心", "--area", "370911105000")
	if code == 0 || !strings.Contains(errs, "未知的评价规则") {
		t.Errorf("unknown profile: %d %s", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("unknown profile created the database")
	}
	code, _, errs = run(t, "init", "--db", db, "--centre", "甲镇便民服务中心", "--area", "12345")
	if code == 0 || !strings.Contains(errs, "行政区划代码") {
		t.Errorf("bad area: %d %s", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("bad area created the database")
	}
	if code, _, errs := run(t, "stats", "--db", db, "--from", "2026-01-01", "--to", "2026-01-31"); code == 0 || !strings.Contains(errs, "尚未初始化") {
		t.Errorf("stats on missing db: %d %s", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("stats created a database")
	}

	// A malformed county override next to the database.
	db = initDB(t, dir)
	before := hashFile(t, db)
	if err := os.WriteFile(filepath.Join(dir, wire.CountyProfileFile), []byte("[rating]\nwindow = \"five days\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "stats", "--db", db, "--from", "2026-01-01", "--to", "2026-01-31")
	if code == 0 || !strings.Contains(errs, wire.CountyProfileFile) {
		t.Errorf("bad override: %d %s", code, errs)
	}
	os.Remove(filepath.Join(dir, wire.CountyProfileFile))
	if err := os.WriteFile(filepath.Join(dir, wire.HolidaysFile), []byte("[[day]]\ndate = \"2026-13-01\"\nwork = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "stats", "--db", db, "--from", "2026-01-01", "--to", "2026-01-31")
	if code == 0 || !strings.Contains(errs, wire.HolidaysFile) {
		t.Errorf("bad holidays file: %d %s", code, errs)
	}
	os.Remove(filepath.Join(dir, wire.HolidaysFile))
	if hashFile(t, db) != before {
		t.Error("database changed by a failed command")
	}

	// A database from a newer bianmin.
	newer := filepath.Join(dir, "newer.db")
	d, err := storage.Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	raw, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before = hashFile(t, newer)
	for _, args := range [][]string{
		{"stats", "--db", newer, "--from", "2026-01-01", "--to", "2026-01-31"},
		{"init", "--db", newer, "--centre", "乙镇便民服务中心", "--area", "370911105000", "--force"},
		{"demo", "--db", newer, "--days", "2"},
		{"export", "--db", newer, "--what", "evaluations", "--format", "csv", "--out", filepath.Join(dir, "x.csv")},
		{"check", "--db", newer},
	} {
		code, _, errs := run(t, args...)
		if code == 0 || !strings.Contains(errs, "更新版本") {
			t.Errorf("%s on newer schema: %d %s", args[0], code, errs)
		}
	}
	if hashFile(t, newer) != before {
		t.Error("newer-schema database changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.csv")); err == nil {
		t.Error("export wrote a file for a newer-schema database")
	}
}

// readOnly makes dir unwritable, also for root (chattr +i), or skips the test.
func readOnly(t *testing.T, path string) {
	t.Helper()
	if os.Getuid() != 0 {
		if err := os.Chmod(path, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, 0o755) })
		return
	}
	if err := exec.Command("chattr", "+i", path).Run(); err != nil {
		t.Skipf("cannot make %s read-only as root: %v", path, err)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

func TestReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	readOnly(t, ro)
	db := filepath.Join(ro, "b.db")
	code, _, errs := run(t, "init", "--db", db, "--centre", "丙镇便民服务中心", "--area", "370911105000")
	if code == 0 {
		t.Fatalf("init in read-only dir succeeded: %s", errs)
	}
	t.Log(errs)
	if _, err := os.Stat(db); err == nil {
		t.Error("a database file was left in the read-only directory")
	}
	good := initDB(t, dir)
	if code, _, _ := run(t, "export", "--db", good, "--what", "evaluations", "--format", "csv",
		"--out", filepath.Join(ro, "x.csv")); code == 0 {
		t.Error("export into a read-only directory succeeded")
	}
	if code, _, _ := run(t, "backup", "--db", good, "--out", filepath.Join(ro, "b.db")); code == 0 {
		t.Error("backup into a read-only directory succeeded")
	}
	entries, _ := os.ReadDir(ro)
	if len(entries) != 0 {
		t.Errorf("files left in the read-only directory: %v", entries)
	}
}

var _ = io.Discard

// TestFullDisk fills a small tmpfs with a demo: the command must fail with a
// clear message and leave a database that still passes the integrity check.
func TestFullDisk(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	mnt := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	db := initDB(t, mnt)
	code, _, errs := run(t, "demo", "--db", db, "--days", "60")
	if code == 0 {
		t.Fatal("demo on a full disk succeeded")
	}
	t.Log(strings.SplitN(errs, "\n", 3)[:2])
	if first := strings.SplitN(errs, "\n", 2)[0]; !strings.Contains(errs, "磁盘空间已满") {
		t.Errorf("full disk message: %q", first)
	}
	bk := filepath.Join(t.TempDir(), "after.db")
	if code, _, errs := run(t, "backup", "--db", db, "--out", bk); code != 0 {
		t.Fatalf("backup after full disk: %s", errs)
	}
	if code, out, errs := run(t, "check", "--db", bk); code != 0 {
		t.Fatalf("check after full disk: %s %s", out, errs)
	}
	if code, out, _ := run(t, "stats", "--db", bk, "--from", "2000-01-01", "--to", "2100-01-01", "--json"); code != 0 {
		t.Fatalf("stats after full disk: %s", out)
	}
}
