package app

import (
	"context"
	"sync"
)

// SubscriberBuffer is how many events a subscriber may fall behind before it
// misses some. A hall display or a counter drains its channel at once; one
// that stalls (a frozen screen, a dead LAN client) loses events and sees the
// gap in Seq, so it refetches the Board. It never slows a window's call.
const SubscriberBuffer = 64

// Broadcaster fans hall events out to in-process subscribers (the screens of
// this process, the LAN hub's event stream). The zero value is ready to use.
type Broadcaster struct {
	mu   sync.Mutex
	seq  int64
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch chan HallEvent
}

// Subscribe returns a channel of the events published from now on. It is
// closed when ctx ends.
func (b *Broadcaster) Subscribe(ctx context.Context) <-chan HallEvent {
	s := &subscriber{ch: make(chan HallEvent, SubscriberBuffer)}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[*subscriber]struct{}{}
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, s)
		close(s.ch) // under mu: Publish never sends on a closed channel
		b.mu.Unlock()
	}()
	return s.ch
}

// Publish numbers ev (Seq: one more than the previous event) and hands it to
// every subscriber whose buffer has room; it never blocks. It returns the
// event as published.
func (b *Broadcaster) Publish(ev HallEvent) HallEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	ev.Seq = b.seq
	for s := range b.subs {
		select {
		case s.ch <- ev:
		default: // full: this subscriber misses ev and will see the Seq gap
		}
	}
	return ev
}

// Seq is the number of the last event published (0 before the first).
func (b *Broadcaster) Seq() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}
