package app

import (
	"context"
	"testing"
)

func TestQueueBroadcasterSeqContiguous(t *testing.T) {
	var b Broadcaster
	ctx, cancel := context.WithCancel(context.Background())
	ch := b.Subscribe(ctx)
	for range 10 {
		b.Publish(HallEvent{Kind: EventIssued})
	}
	cancel()
	want := int64(1)
	for ev := range ch { // closed after cancel
		if ev.Seq != want {
			t.Fatalf("seq %d, want %d", ev.Seq, want)
		}
		want++
	}
	if want != 11 || b.Seq() != 10 {
		t.Fatalf("got up to %d, Seq %d", want-1, b.Seq())
	}
}

// A subscriber that does not read never blocks a publisher: it misses the
// events beyond its buffer and sees the gap in Seq; a subscriber that keeps
// up misses nothing.
func TestQueueBroadcasterSlowSubscriber(t *testing.T) {
	var b Broadcaster
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := b.Subscribe(ctx)
	fast := b.Subscribe(ctx)
	total := 3 * SubscriberBuffer
	got := make(chan int64, total)
	go func() {
		for ev := range fast {
			got <- ev.Seq
		}
	}()
	for i := range total {
		b.Publish(HallEvent{Kind: EventCalled}) // returns although slow is full
		if s := <-got; s != int64(i+1) {
			t.Fatalf("fast subscriber: seq %d, want %d", s, i+1)
		}
	}
	for i := range SubscriberBuffer {
		if ev := <-slow; ev.Seq != int64(i+1) {
			t.Fatalf("slow subscriber: seq %d, want %d", ev.Seq, i+1)
		}
	}
	b.Publish(HallEvent{Kind: EventWindow})
	if ev := <-slow; ev.Seq != int64(total+1) {
		t.Fatalf("after the gap: seq %d, want %d", ev.Seq, total+1)
	}
}

func TestQueueBroadcasterUnsubscribe(t *testing.T) {
	var b Broadcaster
	ctx, cancel := context.WithCancel(context.Background())
	ch := b.Subscribe(ctx)
	cancel()
	for range ch {
	}
	// Publishing after the subscriber left must not panic (send on closed).
	for range 2 * SubscriberBuffer {
		b.Publish(HallEvent{Kind: EventRated})
	}
}
