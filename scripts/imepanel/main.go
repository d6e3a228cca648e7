// Command imepanel stands in for a desktop's input-method panel for
// scripts/ime-check: it owns org.kde.impanel on the session bus, so fcitx5's
// kimpanel addon sends it what the IME shows (the candidate list), and
// prints each candidate list as one line, tab-separated, flushed at once.
// The check then picks a candidate by what it says, not by a position that
// changes with the IME's version and what it has learnt.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
)

func main() {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		fmt.Fprintln(os.Stderr, "imepanel: session bus:", err)
		os.Exit(1)
	}
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.kde.kimpanel.inputmethod")); err != nil {
		fmt.Fprintln(os.Stderr, "imepanel: match:", err)
		os.Exit(1)
	}
	ch := make(chan *dbus.Signal, 64)
	conn.Signal(ch)
	reply, err := conn.RequestName("org.kde.impanel", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		fmt.Fprintln(os.Stderr, "imepanel: cannot own org.kde.impanel:", err, reply)
		os.Exit(1)
	}
	// fcitx5 gives a panel that implements org.kde.impanel2 the candidate
	// list by a method call; older ones by the UpdateLookupTable signal.
	if err := conn.Export(panel{}, "/org/kde/impanel", "org.kde.impanel2"); err != nil {
		fmt.Fprintln(os.Stderr, "imepanel: export:", err)
		os.Exit(1)
	}
	// The panel announces itself; the IME then sends its state.
	_ = conn.Emit("/org/kde/impanel", "org.kde.impanel.PanelCreated")
	fmt.Println("ready")
	for s := range ch {
		if os.Getenv("IMEPANEL_DEBUG") != "" {
			fmt.Fprintln(os.Stderr, s.Name, s.Body)
		}
		if s.Name != "org.kde.kimpanel.inputmethod.UpdateLookupTable" || len(s.Body) < 2 {
			continue
		}
		texts, _ := s.Body[1].([]string)
		fmt.Println("candidates\t" + strings.Join(texts, "\t"))
	}
}

// panel is the org.kde.impanel2 object.
type panel struct{}

// SetLookupTable receives the candidates shown.
func (panel) SetLookupTable(labels, texts, attrs []string, hasPrev, hasNext bool, cursor, layout int32) *dbus.Error {
	fmt.Println("candidates\t" + strings.Join(texts, "\t"))
	return nil
}

// SetSpotRect and its relatives receive where the cursor is; ignored.
func (panel) SetSpotRect(x, y, w, h int32) *dbus.Error { return nil }

// SetRelativeSpotRect is SetSpotRect relative to a window.
func (panel) SetRelativeSpotRect(x, y, w, h int32) *dbus.Error { return nil }

// SetRelativeSpotRectV2 also gives the scale.
func (panel) SetRelativeSpotRectV2(x, y, w, h int32, scale float64) *dbus.Error { return nil }
