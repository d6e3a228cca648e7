// Package printing lays out what gets printed: queue tickets, 办件回执 with a
// rating QR code, 一次性告知单 (ESC/POS documents), and renders previews of the
// exact bytes sent to a printer.
package printing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin/devices/escpos"
)

// Ticket is a queue ticket.
type Ticket struct {
	Centre   string
	Number   string // A012
	Category string // 综合受理
	Ahead    int    // people waiting before this ticket
	IssuedAt time.Time
	Notice   string // a short notice, e.g. 请留意大厅叫号屏和语音提示
}

// TicketDoc lays out a ticket: centre, a very large number, category, people ahead, time.
func TicketDoc(p escpos.Profile, t Ticket) []byte {
	d := escpos.New(p)
	d.Align(escpos.Center).Bold(true).Line(t.Centre).Bold(false)
	d.Line(t.Category).Feed(1)
	d.Size(4, 4).Bold(true).Line(t.Number).Bold(false).Size(1, 1).Feed(1)
	d.Line(fmt.Sprintf("您前面还有 %d 人等候", t.Ahead))
	d.Line(t.IssuedAt.Format("2006-01-02 15:04:05"))
	if t.Notice != "" {
		d.Align(escpos.Left).Rule().Line(t.Notice)
	}
	return d.Cut().Bytes()
}

// Receipt is a 办件回执.
type Receipt struct {
	Centre    string
	Serial    string // 办件流水号
	Items     []string
	WindowNo  int
	ClerkNo   string // 工号 only: the clerk's name is not printed for the applicant
	Accepted  time.Time
	Completed time.Time // zero when not yet completed (承诺件)
	Applicant string    // already masked
	RateURL   string    // signed rating link for the QR code; empty prints no QR
	// Rated is the level's name when this visit was rated already (on the
	// keypad): the receipt thanks the person instead of asking again.
	Rated string
}

// ReceiptDoc lays out a receipt with the rating QR code (SZ 11 动态二维码).
func ReceiptDoc(p escpos.Profile, r Receipt) ([]byte, error) {
	d := escpos.New(p)
	d.Align(escpos.Center).Bold(true).Line(r.Centre).Size(2, 2).Line("办件回执").Size(1, 1).Bold(false)
	d.Align(escpos.Left).Rule()
	kv(d, "流水号", r.Serial)
	for i, it := range r.Items {
		label := "事项"
		if len(r.Items) > 1 {
			label = fmt.Sprintf("事项%d", i+1)
		}
		kv(d, label, it)
	}
	kv(d, "窗口", fmt.Sprintf("%d号窗口", r.WindowNo))
	kv(d, "工号", r.ClerkNo)
	kv(d, "申请人", r.Applicant)
	kv(d, "受理时间", r.Accepted.Format("2006-01-02 15:04"))
	if !r.Completed.IsZero() {
		kv(d, "办结时间", r.Completed.Format("2006-01-02 15:04"))
	}
	d.Rule()
	if r.Rated != "" {
		d.Align(escpos.Center).Line("您已评价：" + r.Rated).Line("政务服务“好差评”  感谢您的评价")
	} else if r.RateURL != "" {
		d.Align(escpos.Center).Line("请扫码对本次服务进行评价")
		if err := d.QR(r.RateURL, qrModule(p)); err != nil {
			return nil, err
		}
		d.Line("政务服务“好差评”  感谢您的评价")
	}
	return d.Cut().Bytes(), nil
}

// Notice is a 一次性告知单 (JZ 7.6.2): everything missing, told at once.
type Notice struct {
	Centre    string
	Item      string
	Missing   []string
	ClerkNo   string
	WindowNo  int
	Date      time.Time
	Applicant string // masked
}

// NoticeDoc lays out the notice.
func NoticeDoc(p escpos.Profile, n Notice) []byte {
	d := escpos.New(p)
	d.Align(escpos.Center).Bold(true).Line(n.Centre).Size(2, 2).Line("一次性告知单").Size(1, 1).Bold(false)
	d.Align(escpos.Left).Rule()
	kv(d, "申请人", n.Applicant)
	kv(d, "办理事项", n.Item)
	d.Line("您办理该事项还需补齐以下材料：")
	for i, m := range n.Missing {
		d.Line(fmt.Sprintf("%d. %s", i+1, m))
	}
	d.Rule()
	kv(d, "窗口", fmt.Sprintf("%d号窗口", n.WindowNo))
	kv(d, "工号", n.ClerkNo)
	kv(d, "日期", n.Date.Format("2006-01-02"))
	d.Line("材料补齐后可到任一综合受理窗口办理。")
	return d.Cut().Bytes()
}

func qrModule(p escpos.Profile) int {
	if p.Columns >= 48 {
		return 6
	}
	return 4
}

// kv prints "label：value", wrapping value to the paper width (a Chinese
// character takes two columns).
func kv(d *escpos.Doc, label, value string) {
	cols := d.Profile().Columns
	if cols == 0 {
		cols = 32
	}
	line := label + "：" + value
	for _, l := range wrap(line, cols) {
		d.Line(l)
	}
}

// Width is the printed width in columns: 2 for a CJK (full-width) character.
func Width(s string) int {
	w := 0
	for _, r := range s {
		if r < 0x80 {
			w++
		} else {
			w += 2
		}
	}
	return w
}

func wrap(s string, cols int) []string {
	var out []string
	for Width(s) > cols {
		w, i := 0, 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			rw := 1
			if r >= 0x80 {
				rw = 2
			}
			if w+rw > cols {
				break
			}
			w += rw
			i += n
		}
		out = append(out, s[:i])
		s = "  " + s[i:]
	}
	return append(out, s)
}

// RateURL fills the county's rating link template with the transaction's
// serial and a signature over it, so a code cannot be forged or reused for
// another transaction (SZ 11 动态二维码). The template holds {serial} and {sig}:
// e.g. https://hcp.example.gov.cn/m/pj?bh={serial}&qm={sig}.
func RateURL(template string, key []byte, serial string) string {
	r := strings.NewReplacer("{serial}", url.QueryEscape(serial), "{sig}", Sign(key, serial))
	return r.Replace(template)
}

// Sign is the first 128 bits of HMAC-SHA256(key, serial), hex.
func Sign(key []byte, serial string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(serial))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// VerifySig checks a signature from a scanned code in constant time.
func VerifySig(key []byte, serial, sig string) bool {
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	got, _ := hex.DecodeString(Sign(key, serial))
	return hmac.Equal(got, want)
}
