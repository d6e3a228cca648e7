package lan

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"bianmin/app"
)

// Link is the state of a Follower's subscription, for a status line.
type Link struct {
	Up    bool
	Since time.Time
	Err   error // why the link is down (nil when up, or before the first try)
	// Missed: up, but events were lost (the hub skipped this reader while
	// it was behind, as app.Broadcaster does): refetch, as after a reconnect.
	Missed bool
}

// Message is the Chinese status line. When the hub answered but refused
// (a wrong centre key, say), it says why: retrying alone will not help.
func (l Link) Message() string {
	if l.Up {
		return "中心主机连接正常"
	}
	var ue *app.UserError
	if errors.As(l.Err, &ue) && ue.Code != app.CodeHubUnreachable && ue.Code != app.CodeHubClosing && ue.Msg != "" {
		return "中心主机拒绝连接：" + ue.Msg
	}
	return "与中心主机的连接已断开，正在重连…"
}

// Follower keeps a subscription to a Hall alive: it subscribes, hands every
// event to OnEvent, and when the stream drops it tells OnLink and subscribes
// again with backoff (MinBackoff doubling up to MaxBackoff, with jitter so
// ten counters do not knock on a restarted hub at the same instant).
//
// OnLink(Up) is called after every (re)subscription, and again with Missed
// when a gap in Seq shows events were lost: both times a screen refetches
// the Board or its Window. Callbacks run on Run's goroutine, one at a time; a Fyne screen
// hops to the UI thread itself.
type Follower struct {
	Hall    app.Hall
	OnEvent func(app.HallEvent)
	OnLink  func(Link)
	Log     *slog.Logger

	MinBackoff time.Duration // default 200 ms
	MaxBackoff time.Duration // default 5 s
}

// Run follows until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	log := f.Log
	if log == nil {
		log = slog.Default()
	}
	minB, maxB := f.MinBackoff, f.MaxBackoff
	if minB <= 0 {
		minB = 200 * time.Millisecond
	}
	if maxB < minB {
		maxB = max(5*time.Second, minB)
	}
	link := func(l Link) {
		if f.OnLink != nil {
			f.OnLink(l)
		}
	}
	backoff := minB
	const unknown, isUp, isDown = 0, 1, 2
	state := unknown
	sleep := func(d time.Duration) bool {
		wait := d/2 + rand.N(d/2+1)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
			return true
		}
	}
	for ctx.Err() == nil {
		ch, err := f.Hall.Subscribe(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if state != isDown {
				state = isDown
				link(Link{Up: false, Since: time.Now(), Err: err})
			}
			log.Debug("lan: subscribe failed", "err", err, "retry_in", backoff)
			if !sleep(backoff) {
				return
			}
			backoff = min(2*backoff, maxB)
			continue
		}
		started := time.Now()
		state = isUp
		link(Link{Up: true, Since: started})
		var last int64
		for ev := range ch {
			if last != 0 && ev.Seq > last+1 {
				log.Info("lan: events missed", "after", last, "next", ev.Seq)
				link(Link{Up: true, Since: started, Missed: true})
			}
			last = ev.Seq
			if f.OnEvent != nil {
				f.OnEvent(ev)
			}
		}
		if ctx.Err() != nil {
			return
		}
		state = isDown
		link(Link{Up: false, Since: time.Now(), Err: unreachable("lan: event stream dropped")})
		if time.Since(started) > maxB {
			backoff = minB // it was a working link: try again soon
		}
		// A stream that drops at once (a hub dropping readers, a proxy)
		// must not turn into a busy loop.
		if !sleep(backoff) {
			return
		}
		backoff = min(2*backoff, maxB)
	}
}
