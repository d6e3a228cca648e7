//go:build linux

package devices

import (
	"strings"
	"testing"
	"time"

	"bianmin/devices/devconf"
	"bianmin/devices/idcard"
)

type cardEvent struct {
	card    *idcard.Card
	problem string
}

func nextCard(t *testing.T, ch chan cardEvent) cardEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("nothing came from the ID reader")
	}
	return cardEvent{}
}

// The simulated reader on a pty, through tarm/serial: a card placed is read
// once while it lies there; noise on the line, a damaged answer and a card
// lifted mid-read give a Chinese reason and no card; after an unplug the
// reader reconnects by itself and reads again.
func TestIDReaderOnPTY(t *testing.T) {
	e := newEnv(t)
	rig, _ := startRig(t, e, devconf.Default(), 5)
	cards := make(chan cardEvent, 8)
	rig.OnIDCard(func(c *idcard.Card, p string) { cards <- cardEvent{c, p} })
	st := waitState(t, rig, 2, devconf.StateConnected)
	if st.Device != "读卡器" || !st.Simulated || st.Short() != "读卡器正常（模拟）" {
		t.Errorf("status %+v", st)
	}
	sim := rig.SimulatedIDReader()
	if sim == nil {
		t.Fatal("no simulated reader")
	}
	card := SampleCard
	sim.Sim().Place(card)
	ev := nextCard(t, cards)
	if ev.card == nil || *ev.card != card {
		t.Fatalf("read %+v", ev)
	}
	// Lying there, it is not read again: the next event is the next card.
	reads := sim.Sim().Reads()
	waitFor(t, "more polls", func() bool { return sim.Sim().Reads() > reads+1 || len(cards) > 0 })
	if len(cards) > 0 {
		t.Fatalf("the same card was handed on twice: %+v", <-cards)
	}
	sim.Sim().Remove()

	// Line noise before every answer: still read, whole.
	sim.Sim().Garbage(true)
	other := idcard.Card{Name: "欧阳娜娜", Sex: "女", Nation: "01", Birth: "19900307", Number: "370902199003070025", Expiry: "20300307"}
	sim.Sim().Place(other)
	if ev := nextCard(t, cards); ev.card == nil || ev.card.Name != "欧阳娜娜" || ev.card.Number != other.Number {
		t.Fatalf("with noise: %+v", ev)
	}
	sim.Sim().Garbage(false)
	sim.Sim().Remove()

	// A damaged answer: a message, then the retry reads the card.
	sim.Sim().Corrupt(1)
	sim.Sim().Place(card)
	if ev := nextCard(t, cards); ev.card != nil || !strings.Contains(ev.problem, "校验错误") {
		t.Fatalf("damaged answer: %+v", ev)
	}
	if ev := nextCard(t, cards); ev.card == nil || ev.card.Number != card.Number {
		t.Fatalf("after the damaged answer: %+v", ev)
	}
	sim.Sim().Remove()

	// Lifted mid-read: told why, no card.
	sim.Sim().PullDuringRead()
	sim.Sim().Place(other)
	if ev := nextCard(t, cards); ev.card != nil || !strings.Contains(ev.problem, "身份证被移开") {
		t.Fatalf("pulled mid-read: %+v", ev)
	}

	// The cable: reconnecting, with the reason; back by itself.
	sim.Unplug()
	st = waitState(t, rig, 2, devconf.StateError)
	if !strings.Contains(st.Text, "读卡器") {
		t.Errorf("unplugged: %+v", st)
	}
	if err := sim.Replug(); err != nil {
		t.Fatal(err)
	}
	waitState(t, rig, 2, devconf.StateConnected)
	rig.SimulatedIDReader().Sim().Place(other)
	if ev := nextCard(t, cards); ev.card == nil || ev.card.Number != other.Number {
		t.Fatalf("after the replug: %+v", ev)
	}
	if msg, err := rig.TestIDReader(t.Context()); err != nil || !strings.Contains(msg, "安全模块号") {
		t.Errorf("测试读卡器: %q %v", msg, err)
	}
}
