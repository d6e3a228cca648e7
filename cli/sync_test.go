package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	countysync "bianmin/sync"
	"bianmin/wire"
)

// Twenty days of a demo centre accumulated offline reach the county
// simulator exactly once, through `bianmin sync`, with 20% failed requests
// and 20% of answers dropped after storing.
func TestSyncDemoBacklogExactlyOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hub.db")
	demoDB(t, dbPath, 20, 0, reportEnd) // the report tests' template: generated once
	d, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	before, err := d.OutboxStats(ctx, storage.DefaultDestination)
	d.Close()
	if err != nil || before.Pending < 500 {
		t.Fatalf("backlog %+v %v", before, err)
	}
	sim, err := countysync.OpenSimulator(filepath.Join(dir, "county.db"), countysync.SimOptions{
		Keys: map[string]string{"k1": "s1"}, FailRate: 0.2, DropResponse: 0.2, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()

	var out, errb bytes.Buffer
	code := Run(ctx, []string{"sync", "--db", dbPath, "--county", srv.URL, "--key", "k1", "--secret", "s1", "--status"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "县级平台设置已保存") || !strings.Contains(out.String(), "从未成功上传") {
		t.Fatalf("status: %d\n%s\n%s", code, out.String(), errb.String())
	}
	// Later runs use the saved settings; each --once retries a batch a few
	// times and gives up, the next run carries on, as the periodic loop would.
	ok := false
	for i := 0; i < 40 && !ok; i++ {
		out.Reset()
		errb.Reset()
		ok = Run(ctx, []string{"sync", "--db", dbPath, "--once"}, &out, &errb) == 0
	}
	if !ok {
		t.Fatalf("sync never finished: %s %s", out.String(), errb.String())
	}
	cnt, err := sim.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Records != before.Pending || cnt.Rejections != 0 {
		t.Fatalf("county holds %+v, outbox had %d rows", cnt, before.Pending)
	}
	if cnt.Requests["fail"] == 0 || cnt.Requests["dropped"] == 0 {
		t.Fatalf("faults not exercised: %v", cnt.Requests)
	}
	if v, _ := sim.OrderViolations(ctx); v != 0 {
		t.Fatalf("%d records before their service record", v)
	}
	out.Reset()
	if Run(ctx, []string{"sync", "--db", dbPath, "--status"}, &out, &errb) != 0 ||
		!strings.Contains(out.String(), "待上传记录：0 条") || strings.Contains(out.String(), "从未成功上传") {
		t.Fatalf("status after drain:\n%s", out.String())
	}
	t.Logf("%d records (%d services, %d evaluations, %d work orders); requests %v",
		cnt.Records, cnt.Services, cnt.Evaluations, cnt.WorkOrders, cnt.Requests)
}

func TestSyncUsage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dbPath := filepath.Join(t.TempDir(), "hub.db")
	if _, err := wire.InitCentre(ctx, dbPath, "national", "测试中心", "370911105000", wire.Manager{}, false, nil); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"sync", "--db", dbPath}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "尚未设置县级平台") {
		t.Fatalf("unconfigured periodic sync: %d %s", code, errb.String())
	}
	if code := Run(ctx, []string{"sync", "--db", dbPath, "--county", "ftp://x", "--key", "k", "--secret", "s"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "县级平台地址无效") {
		t.Fatalf("bad URL: %d %s", code, errb.String())
	}
	if code := Run(ctx, []string{"sync", "--db", dbPath, "--requeue", "99"}, &out, &errb); code != 2 {
		t.Fatalf("requeue unknown: %d", code)
	}
	// Plain http off loopback is refused until the manager allows it, and
	// then the choice stays visible in --status.
	errb.Reset()
	plain := []string{"sync", "--db", dbPath, "--county", "http://192.0.2.10:8790", "--key", "k", "--secret", "s", "--status"}
	if code := Run(ctx, plain, &out, &errb); code != 1 || !strings.Contains(errb.String(), "必须以 https://") {
		t.Fatalf("plain http accepted without --allow-http: %d %s", code, errb.String())
	}
	out.Reset()
	if code := Run(ctx, append(plain, "--allow-http"), &out, &errb); code != 0 || !strings.Contains(out.String(), "http") {
		t.Fatalf("--allow-http: %d %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := Run(ctx, []string{"sync", "--db", dbPath, "--status"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "连接未加密（http）") {
		t.Fatalf("saved --allow-http not shown in --status: %d %s", code, out.String())
	}
	if code := Run(ctx, []string{"sync", "--db", dbPath, "--allow-http=false", "--status"}, &out, &errb); code != 1 {
		t.Fatalf("--allow-http=false kept a plain-http URL: %d", code)
	}
}

// BenchmarkSyncDrain drains a demo centre's backlog (BENCH_DAYS, default 90
// days) to the simulator on loopback and reports records per second.
//
//	go test ./cli/ -run '^$' -bench SyncDrain -benchtime 1x
func BenchmarkSyncDrain(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	seedPath := filepath.Join(dir, "seed.db")
	if err := wire.LoadDemo(ctx, seedPath, 90, 3); err != nil {
		b.Fatal(err)
	}
	src, err := storage.Open(seedPath)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	b.ResetTimer()
	var total int
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dbPath := filepath.Join(dir, "hub"+time.Now().Format("150405.000000")+".db")
		if err := src.Backup(ctx, dbPath); err != nil {
			b.Fatal(err)
		}
		d, err := storage.Open(dbPath)
		if err != nil {
			b.Fatal(err)
		}
		sim, err := countysync.OpenSimulator(dbPath+".county", countysync.SimOptions{Keys: map[string]string{"k": "s"}})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(sim)
		s := countysync.DefaultSettings()
		s.URL, s.AppKey, s.Secret = srv.URL, "k", "s"
		snd := countysync.NewSender(d, s)
		b.StartTimer()
		start := time.Now()
		res, err := snd.Drain(ctx)
		elapsed += time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		total += res.Sent
		srv.Close()
		sim.Close()
		d.Close()
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(total)/float64(b.N), "records/op")
}

// `bianmin sync --once` takes the county's configuration too, and the next
// wire.OpenService (the desktop app's, every command's) uses its profile, holiday
// overrides and tags.
func TestSyncAppliesPushedConfiguration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hub.db")
	if _, err := wire.InitCentre(ctx, dbPath, "national", "测试中心", "370911105000", wire.Manager{}, false, nil); err != nil {
		t.Fatal(err)
	}
	cfg := `{"version": "2026.2", "profile": "taian",
		"items": [{"code": "370911-001", "name": "城乡居民基本养老保险参保登记", "instant": true}],
		"holidays": [{"date": "2026-10-10", "work": true, "name": "国庆调休"}],
		"tags": [{"code": "T01", "name": "态度冷淡", "kind": "bad"}]}`
	sim, err := countysync.OpenSimulator(filepath.Join(dir, "county.db"), countysync.SimOptions{
		Keys: map[string]string{"k1": "s1"}, Config: []byte(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"sync", "--db", dbPath, "--county", srv.URL, "--key", "k1", "--secret", "s1", "--once"},
		&out, &errb); code != 0 || !strings.Contains(out.String(), "县级下发配置已更新至版本 2026.2") {
		t.Fatalf("sync --once: %d\n%s\n%s", code, out.String(), errb.String())
	}
	svc, d, err := wire.OpenService(ctx, dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if svc.Profile.Name != "taian" || !svc.Cal.IsWorkday(time.Date(2026, 10, 10, 9, 0, 0, 0, app.ChinaTime)) ||
		len(svc.Profile.Tags.Bad) != 1 || svc.Profile.Tags.Bad[0] != "态度冷淡" {
		t.Fatalf("service after the pull: profile %s, tags %+v", svc.Profile.Name, svc.Profile.Tags)
	}
	out.Reset()
	if code := Run(ctx, []string{"sync", "--db", dbPath, "--status"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "县级下发配置：版本 2026.2") {
		t.Fatalf("status:\n%s", out.String())
	}
}
