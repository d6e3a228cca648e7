//go:build linux

package devices

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/devices/keypad"
)

// BenchmarkKeypressToDurable measures from the keypad sending RESULT over a
// PTY to the evaluation committed durably (WAL, synchronous=FULL) in SQLite,
// through the link layer, the station and app/'s rules. Reports p50/p99.
func BenchmarkKeypressToDurable(b *testing.B) {
	e := newEnvB(b)
	link := filepath.Join(b.TempDir(), "keypad")
	pty := plugB(b, link)
	defer pty.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outcomes := make(chan Outcome, 1)
	st := &Station{Device: "bench", Rater: e.svc, Log: quiet(), OnOutcome: func(o Outcome) { outcomes <- o }}
	var sl statusLog
	kp := &Keypad{Cfg: KeypadConfig{Enabled: true, Port: link, Mode: "frame", Addr: 1}, Station: st, Log: quiet(), OnStatus: sl.add}
	go kp.Run(ctx)
	for end := time.Now().Add(5 * time.Second); kp.Status().State != StateConnected && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	sim := &keypad.Sim{RW: pty.Master, Addr: 1}
	go sim.Run(ctx)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now := time.Now().In(app.ChinaTime)
		tx, err := e.db.AddTransaction(ctx, app.Transaction{ItemCode: "I1", WindowID: e.tx.WindowID, ClerkID: e.tx.ClerkID,
			Status: app.TxCompleted, Visits: 1, BatchCount: 1, CreatedAt: now, CompletedAt: now})
		if err != nil {
			b.Fatal(err)
		}
		st.SetPending(Pending{TxID: tx.ID, Serial: tx.Serial})
		pl, _ := keypad.Result{Txn: tx.Serial, Stars: 5}.Payload()
		b.StartTimer()
		start := time.Now()
		go sim.Send(keypad.CmdResult, pl)
		o := <-outcomes
		lat = append(lat, time.Since(start))
		if !o.Stored {
			b.Fatalf("not stored: %+v", o)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
