package keypad

import "fmt"

// KeyMap maps the bytes an `ascii` keypad sends for its five keys to stars.
// Vendors differ: some send '1' for 非常满意, so the mapping is configurable.
type KeyMap map[byte]byte

// DefaultKeyMap is the spec's: '1'–'5' = that many stars.
func DefaultKeyMap() KeyMap {
	return KeyMap{'1': 1, '2': 2, '3': 3, '4': 4, '5': 5}
}

// ReversedKeyMap is for keypads that send '1' for 非常满意 (5 stars).
func ReversedKeyMap() KeyMap {
	return KeyMap{'1': 5, '2': 4, '3': 3, '4': 2, '5': 1}
}

// ParseKeyMap reads a mapping written as five characters for 1 to 5 stars,
// e.g. "12345" (default) or "54321" (reversed).
func ParseKeyMap(s string) (KeyMap, error) {
	if len(s) != 5 {
		return nil, fmt.Errorf("keypad: key map %q must have five characters, for 1 to 5 stars", s)
	}
	m := KeyMap{}
	for i := 0; i < 5; i++ {
		c := s[i]
		if c >= 'A' && c <= 'H' {
			return nil, fmt.Errorf("keypad: key map %q uses a reason key %q", s, c)
		}
		if _, dup := m[c]; dup {
			return nil, fmt.Errorf("keypad: key map %q repeats %q", s, c)
		}
		m[c] = byte(i + 1)
	}
	return m, nil
}

// ASCIIKey is one decoded key of an `ascii` keypad: Stars 1–5, or a reason
// key 1–8 (Reason) which is only valid right after a 1- or 2-star key.
type ASCIIKey struct {
	Stars  byte
	Reason byte
}

// ASCIIDecoder decodes the one-byte-per-key `ascii` mode. Every byte that is
// neither a mapped star key nor a reason key right after a bad rating (CR, LF,
// noise, a stray reason key) is dropped and counted.
type ASCIIDecoder struct {
	Map     KeyMap
	lastBad bool
	Ignored int // bytes dropped, for the log
}

// Feed decodes bytes into keys.
func (d *ASCIIDecoder) Feed(data []byte) []ASCIIKey {
	m := d.Map
	if m == nil {
		m = DefaultKeyMap()
	}
	var out []ASCIIKey
	for _, c := range data {
		if stars, ok := m[c]; ok {
			out = append(out, ASCIIKey{Stars: stars})
			d.lastBad = stars <= 2
			continue
		}
		if c >= 'A' && c <= 'H' && d.lastBad {
			out = append(out, ASCIIKey{Reason: c - 'A' + 1})
			continue
		}
		d.Ignored++
	}
	return out
}
