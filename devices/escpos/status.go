package escpos

import (
	"errors"
	"fmt"
)

// Status requests (DLE EOT n), answered at once even when the printer is offline.
var (
	QueryPrinter = []byte{0x10, 0x04, 0x01} // n=1: online/offline
	QueryCover   = []byte{0x10, 0x04, 0x02} // n=2: cover, paper-stop, error
	QueryPaper   = []byte{0x10, 0x04, 0x04} // n=4: paper sensors
)

// Status is the printer's state from the three DLE EOT replies.
type Status struct {
	Offline   bool
	CoverOpen bool
	PaperOut  bool
	PaperLow  bool
	Error     bool
}

// OK reports whether a job can be printed.
func (s Status) OK() bool { return !s.Offline && !s.CoverOpen && !s.PaperOut && !s.Error }

// Message is the Chinese text the clerk sees; empty when OK (a low-paper warning is still given).
func (s Status) Message() string {
	switch {
	case s.CoverOpen:
		return "打印机纸仓盖未关好，请合上后重试"
	case s.PaperOut:
		return "打印机缺纸，请装纸后重试"
	case s.Error:
		return "打印机故障，请检查打印机（切刀卡纸或过热）"
	case s.Offline:
		return "打印机处于离线状态，请检查电源和连接"
	case s.PaperLow:
		return "打印纸即将用完，请及时更换"
	}
	return ""
}

// ErrBadStatus is returned for a reply byte that is not a DLE EOT answer.
var ErrBadStatus = errors.New("escpos: not a status reply")

// validReply: a DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
func validReply(b byte) bool { return b&0x93 == 0x12 }

// ApplyReply folds the reply to query n (1, 2 or 4) into s.
func (s *Status) ApplyReply(n byte, b byte) error {
	if !validReply(b) {
		return fmt.Errorf("%w: %02X for n=%d", ErrBadStatus, b, n)
	}
	switch n {
	case 1:
		s.Offline = b&0x08 != 0
	case 2:
		s.CoverOpen = b&0x04 != 0
		s.PaperOut = s.PaperOut || b&0x20 != 0
		s.Error = b&0x40 != 0
	case 4:
		s.PaperLow = b&0x0C != 0
		s.PaperOut = s.PaperOut || b&0x60 != 0
	default:
		return fmt.Errorf("escpos: unknown status query %d", n)
	}
	return nil
}

// StatusReply finds the status byte in what a printer sent back, skipping
// stray XON/XOFF (0x11/0x13) and anything else that is not a status reply.
func StatusReply(data []byte) (byte, bool) {
	for _, b := range data {
		if validReply(b) {
			return b, true
		}
	}
	return 0, false
}
