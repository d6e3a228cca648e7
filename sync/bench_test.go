package countysync_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	countysync "bianmin/sync"
)

// benchSeed is a centre with a backlog of benchVisits completed and rated
// visits (three outbox rows each), built once and copied for every run.
const benchVisits = 2000

var (
	seedOnce sync.Once
	seedDir  string
	seedPath string
	seedErr  error
)

func benchBacklog(b *testing.B) string {
	seedOnce.Do(func() {
		// Outlives the first benchmark run (b.TempDir would not); TestMain removes it.
		dir, err := os.MkdirTemp("", "bianmin-drain-bench")
		if err != nil {
			seedErr = err
			return
		}
		seedDir = dir
		c := newCentre(b)
		for i := 0; i < benchVisits; i++ {
			level, text := app.LevelVeryGood, ""
			if i%10 == 0 {
				level, text = app.LevelBad, "等候时间过长"
			}
			c.visit(b, level, text)
		}
		seedPath = filepath.Join(dir, "seed.db")
		seedErr = c.db.Backup(ctx, seedPath)
	})
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	return seedPath
}

// BenchmarkDrain drains a backlog of 6,000 outbox rows to the county
// simulator on loopback with the default batch size and reports records per
// second (service records, evaluations, both acknowledged and marked sent)
// and the CPU time both sides spent per record. BENCH_BATCH sets the batch
// size (default Settings.Batch, 500).
//
//	go test ./sync/ -run '^$' -bench Drain -benchtime 5x
func BenchmarkDrain(b *testing.B) {
	seed := benchBacklog(b)
	dir := b.TempDir()
	var total int
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(dir, "hub"+strconv.Itoa(i)+".db")
		src, err := storage.Open(seed)
		must(b, err)
		must(b, src.Backup(ctx, path))
		src.Close()
		d, err := storage.Open(path)
		must(b, err)
		sim, err := countysync.OpenSimulator(path+".county", countysync.SimOptions{Keys: map[string]string{testKey: testSecret}})
		must(b, err)
		srv := httptest.NewServer(sim)
		s := countysync.DefaultSettings()
		s.URL, s.AppKey, s.Secret = srv.URL, testKey, testSecret
		if n, err := strconv.Atoi(os.Getenv("BENCH_BATCH")); err == nil {
			s.Batch = n
		}
		snd := countysync.NewSender(d, s)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		res, err := snd.Drain(ctx)
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		must(b, err)
		if res.Sent != 3*benchVisits {
			b.Fatalf("sent %d, want %d: %+v", res.Sent, 3*benchVisits, res)
		}
		total += res.Sent
		srv.Close()
		sim.Close()
		d.Close()
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "records/s")
	// CPU time of both sides (sender and simulator share the process) per
	// record: the work done, whatever else the machine is running.
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/record")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seedDir != "" {
		os.RemoveAll(seedDir)
	}
	os.Exit(code)
}
