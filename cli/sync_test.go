package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/storage"
	countysync "bianmin/sync"
)

// Thirty days of a demo centre accumulated offline reach the county simulator
// exactly once, through `bianmin sync`, with 20% failed requests and 20% of
// answers dropped after storing.
func TestSyncDemoBacklogExactlyOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hub.db")
	if err := LoadDemo(ctx, dbPath, 30, 7); err != nil {
		t.Fatal(err)
	}
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
	if _, err := InitCentre(ctx, dbPath, "national", "测试中心", "370911105000", Manager{}, false, nil); err != nil {
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
}

// BenchmarkSyncDrain drains a demo centre's backlog (BENCH_DAYS, default 90
// days) to the simulator on loopback and reports records per second.
//
//	go test ./cli/ -run '^$' -bench SyncDrain -benchtime 1x
func BenchmarkSyncDrain(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	seedPath := filepath.Join(dir, "seed.db")
	if err := LoadDemo(ctx, seedPath, 90, 3); err != nil {
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
