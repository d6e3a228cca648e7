package keypad

import (
	"reflect"
	"testing"
)

func TestASCIIDecoder(t *testing.T) {
	d := &ASCIIDecoder{}
	got := d.Feed([]byte("5\r\nA2BC\x004x1H"))
	want := []ASCIIKey{{Stars: 5}, {Stars: 2}, {Reason: 2}, {Reason: 3}, {Stars: 4}, {Stars: 1}, {Reason: 8}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// "5 A": a reason after a good rating is noise; so are CR, LF, NUL and 'x'.
	if d.Ignored != 5 {
		t.Errorf("ignored %d bytes, want 5", d.Ignored)
	}
}

func TestKeyMaps(t *testing.T) {
	m, err := ParseKeyMap("54321")
	if err != nil || !reflect.DeepEqual(m, ReversedKeyMap()) {
		t.Fatalf("%v %v", m, err)
	}
	d := &ASCIIDecoder{Map: m}
	if got := d.Feed([]byte("1")); got[0].Stars != 5 {
		t.Errorf("reversed map: '1' gave %d stars", got[0].Stars)
	}
	for _, bad := range []string{"1234", "11234", "1234A"} {
		if _, err := ParseKeyMap(bad); err == nil {
			t.Errorf("ParseKeyMap(%q) accepted", bad)
		}
	}
}

// Garbage never panics and never yields a key outside 1–5 stars or a reason
// outside 1–8, nor a reason that does not follow a 1- or 2-star key.
func FuzzASCIIDecoder(f *testing.F) {
	f.Add([]byte("5\r\n2AB\x00\xff1H"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &ASCIIDecoder{}
		lastBad := false
		for _, k := range d.Feed(data) {
			switch {
			case k.Stars != 0:
				if k.Stars > 5 || k.Reason != 0 {
					t.Fatalf("bad key %+v", k)
				}
				lastBad = k.Stars <= 2
			case k.Reason < 1 || k.Reason > 8 || !lastBad:
				t.Fatalf("reason %+v not after a bad rating", k)
			}
		}
	})
}
