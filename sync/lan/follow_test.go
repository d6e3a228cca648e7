package lan

import (
	"context"
	"errors"
	"testing"
	"time"

	"bianmin/app"
)

// scriptedHall hands out prepared subscriptions, one per Subscribe call.
type scriptedHall struct {
	app.Hall
	subs chan func() (<-chan app.HallEvent, error)
}

func (s *scriptedHall) Subscribe(ctx context.Context) (<-chan app.HallEvent, error) {
	select {
	case f := <-s.subs:
		return f()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func events(seqs ...int64) func() (<-chan app.HallEvent, error) {
	return func() (<-chan app.HallEvent, error) {
		ch := make(chan app.HallEvent, len(seqs))
		for _, s := range seqs {
			ch <- app.HallEvent{Seq: s, Kind: app.EventIssued}
		}
		close(ch)
		return ch, nil
	}
}

func TestFollowerReportsDownUpAndMissedEvents(t *testing.T) {
	h := &scriptedHall{subs: make(chan func() (<-chan app.HallEvent, error), 8)}
	down := errors.New("connection refused")
	h.subs <- func() (<-chan app.HallEvent, error) { return nil, down } // hub not up yet
	h.subs <- events(1, 2, 5, 6)                                        // up; 3 and 4 lost
	h.subs <- events(1)                                                 // the hub restarted: Seq starts again
	var got []string
	var seqs []int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	f := &Follower{Hall: h, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		OnEvent: func(ev app.HallEvent) { seqs = append(seqs, ev.Seq) },
		OnLink: func(l Link) {
			switch {
			case l.Missed:
				got = append(got, "missed")
			case l.Up:
				got = append(got, "up")
			default:
				got = append(got, "down")
				if len(got) == 1 && !errors.Is(l.Err, down) {
					t.Errorf("first down: %v", l.Err)
				}
				if l.Message() != "与中心主机的连接已断开，正在重连…" {
					t.Errorf("down message %q", l.Message())
				}
			}
			if len(got) == 6 {
				cancel()
			}
		}}
	go func() { f.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("follower did not finish the script")
	}
	want := []string{"down", "up", "missed", "down", "up", "down"}
	if len(got) != len(want) {
		t.Fatalf("links %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("links %v, want %v", got, want)
		}
	}
	if len(seqs) != 5 || seqs[4] != 1 {
		t.Fatalf("events %v", seqs)
	}
}
