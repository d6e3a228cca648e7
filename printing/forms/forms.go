// Package forms prints 书面评价表, the paper evaluation forms a township centre
// hands out where no keypad is available (TA: 基层服务网点…应提供书面评价表格;
// GB/T 39734 6.1.1): pre-filled for a transaction, or blank in numbered batches.
package forms

import (
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"bianmin/assets"
)

// Layout is how many forms go on a sheet.
type Layout string

// Layouts.
const (
	A4x2 Layout = "a4x2" // two A5-sized forms on an A4 sheet (cut in half)
	A4x4 Layout = "a4x4" // four A6-sized forms on an A4 sheet
	A5   Layout = "a5"   // one form on an A5 sheet
)

// ParseLayout validates a layout name.
func ParseLayout(s string) (Layout, bool) {
	switch Layout(s) {
	case A4x2, A4x4, A5:
		return Layout(s), true
	}
	return "", false
}

// Form is one form: pre-filled when Serial is set, blank otherwise.
type Form struct {
	FormNo   string // unique form number, printed and encoded in the QR of a blank form
	Serial   string // 办件流水号 (pre-filled forms)
	Item     string
	WindowNo int
	ClerkNo  string // 工号 only; never the clerk's name
	Date     time.Time
}

// Options are what every form of a batch shares.
type Options struct {
	Centre  string
	Layout  Layout
	Levels  [5]string // from 非常满意 down to 非常不满意 (the profile's names)
	BadTags []string  // the profile's bad-review tags
	Created time.Time // fixed creation date: same input, same bytes
}

const fontName = "wqy"

// Write renders the forms as one PDF.
func Write(w io.Writer, forms []Form, opt Options) error {
	if len(forms) == 0 {
		return fmt.Errorf("forms: nothing to print")
	}
	size, perPage := "A4", 2
	switch opt.Layout {
	case A4x4:
		perPage = 4
	case A5:
		size, perPage = "A5", 1
	case A4x2, "":
	default:
		return fmt.Errorf("forms: unknown layout %q", opt.Layout)
	}
	pdf := fpdf.New("P", "mm", size, "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(opt.Created)
	pdf.SetModificationDate(opt.Created)
	pdf.SetProducer("bianmin", false)
	pdf.SetTitle("政务服务“好差评”书面评价表", true)
	pdf.AddUTF8FontFromBytes(fontName, "", assets.UIFont)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pw, ph := pdf.GetPageSize()
	for i, f := range forms {
		slot := i % perPage
		if slot == 0 {
			pdf.AddPage()
		}
		x, y, w, h := 0.0, 0.0, pw, ph
		switch perPage {
		case 2:
			h = ph / 2
			y = float64(slot) * h
		case 4:
			w, h = pw/2, ph/2
			x, y = float64(slot%2)*w, float64(slot/2)*h
		}
		if perPage > 1 {
			cutMarks(pdf, x, y, w, h)
		}
		if err := drawForm(pdf, f, opt, x, y, w, h); err != nil {
			return err
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("forms pdf: %w", err)
	}
	return pdf.Output(w)
}

func cutMarks(pdf *fpdf.Fpdf, x, y, w, h float64) {
	pdf.SetDrawColor(170, 170, 170)
	pdf.SetLineWidth(0.1)
	pdf.SetDashPattern([]float64{1.5, 1.5}, 0)
	pdf.Rect(x, y, w, h, "D")
	pdf.SetDashPattern(nil, 0)
}

// drawForm lays one form out in the box (x, y, w, h), scaled to its size.
func drawForm(pdf *fpdf.Fpdf, f Form, opt Options, x, y, w, h float64) error {
	// Everything scales with the form, relative to an A5 portrait sheet
	// (148 × 210 mm, of which the content needs about 175 mm).
	s := min(w/148, h/175)
	m := 8.0 * s
	left, top, inner := x+m, y+m, w-2*m
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)

	// Title and form number.
	pdf.SetFont(fontName, "", 15*s)
	pdf.SetXY(left, top)
	pdf.CellFormat(inner, 8*s, "政务服务“好差评”书面评价表", "", 1, "C", false, 0, "")
	pdf.SetFont(fontName, "", 9*s)
	pdf.SetX(left)
	pdf.CellFormat(inner*0.6, 5*s, opt.Centre, "", 0, "L", false, 0, "")
	pdf.CellFormat(inner*0.4, 5*s, "表号："+f.FormNo, "", 1, "R", false, 0, "")
	pdf.SetLineWidth(0.3)
	ly := pdf.GetY() + 1*s
	pdf.Line(left, ly, left+inner, ly)

	// Transaction fields, with a QR code the manager scans when entering the form.
	qrSize := 22 * s
	fy := ly + 2.5*s
	code := f.Serial
	if code == "" {
		code = f.FormNo
	}
	if err := drawQR(pdf, code, left+inner-qrSize, fy, qrSize); err != nil {
		return err
	}
	fw := inner - qrSize - 3*s
	field := func(label, value string) {
		pdf.SetX(left)
		pdf.SetFont(fontName, "", 10*s)
		lw := pdf.GetStringWidth(label) + 1*s
		pdf.CellFormat(lw, 6.5*s, label, "", 0, "L", false, 0, "")
		cx, cy := pdf.GetX(), pdf.GetY()
		pdf.CellFormat(fw-lw, 6.5*s, value, "", 1, "L", false, 0, "")
		pdf.SetLineWidth(0.15)
		pdf.Line(cx, cy+6*s, left+fw, cy+6*s)
	}
	date := ""
	if !f.Date.IsZero() {
		date = f.Date.Format("2006年01月02日")
	}
	window := ""
	if f.WindowNo > 0 {
		window = fmt.Sprintf("%d号窗口", f.WindowNo)
	}
	pdf.SetY(fy)
	field("办件流水号：", f.Serial)
	field("办理事项：", f.Item)
	field("窗口/工号：", join(window, f.ClerkNo))
	field("办理日期：", date)

	// Levels: five boxes.
	ty := max(pdf.GetY(), fy+qrSize) + 3*s
	pdf.SetXY(left, ty)
	pdf.SetFont(fontName, "", 10.5*s)
	pdf.CellFormat(inner, 6*s, "一、请对本次服务作出评价（单选，在□内打“√”）", "", 1, "L", false, 0, "")
	// Each box carries the digit the manager keys in 录入评价表 (5 非常满意 …
	// 1 非常不满意; the tags 1, 2, …), so the form and the screen agree.
	var levels []string
	for i, l := range opt.Levels {
		levels = append(levels, fmt.Sprintf("%d %s", 5-i, l))
	}
	boxes(pdf, left, pdf.GetY()+1*s, inner, levels, 10*s, 5)

	// Bad-review reasons.
	pdf.SetXY(left, pdf.GetY()+2*s)
	pdf.SetFont(fontName, "", 10.5*s)
	pdf.CellFormat(inner, 6*s, "二、如选择“不满意”或“非常不满意”，请勾选原因（可多选）或写明原因", "", 1, "L", false, 0, "")
	var tags []string
	for i, tag := range opt.BadTags {
		if i == 8 {
			break
		}
		tags = append(tags, fmt.Sprintf("%d %s", i+1, tag))
	}
	boxes(pdf, left, pdf.GetY()+1*s, inner, tags, 9.5*s, 4)

	// Free text.
	pdf.SetXY(left, pdf.GetY()+2*s)
	pdf.SetFont(fontName, "", 10.5*s)
	pdf.CellFormat(inner, 6*s, "三、意见和建议：", "", 1, "L", false, 0, "")
	for i := 0; i < 2; i++ {
		yy := pdf.GetY() + 6*s
		pdf.SetLineWidth(0.15)
		pdf.Line(left, yy, left+inner, yy)
		pdf.SetY(yy + 1*s)
	}

	// Signature and phone for the call-back.
	pdf.SetXY(left, pdf.GetY()+3*s)
	pdf.SetFont(fontName, "", 10*s)
	half := inner / 2
	pdf.CellFormat(half, 6*s, "评价人签名：____________", "", 0, "L", false, 0, "")
	pdf.CellFormat(half, 6*s, "联系电话：______________", "", 1, "L", false, 0, "")

	// Privacy note (SZ 13, 25) at the bottom of the form.
	pdf.SetFont(fontName, "", 8*s)
	pdf.SetTextColor(80, 80, 80)
	pdf.SetXY(left, y+h-m-9*s)
	pdf.MultiCell(inner, 4*s, "说明：您的姓名和电话仅用于差评核实与回访，不会告知被评价的工作人员。评价结果真实有效，任何人不得强迫或干扰评价。填好后请投入评价箱或交给大厅工作人员。", "", "L", false)
	pdf.SetTextColor(0, 0, 0)
	return nil
}

// drawQR draws the code as vector modules: crisp at any printer resolution,
// and deterministic (fpdf orders same-sized images by map iteration).
func drawQR(pdf *fpdf.Fpdf, code string, x, y, size float64) error {
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("forms: QR: %w", err)
	}
	bm := q.Bitmap() // with its quiet zone
	mod := size / float64(len(bm))
	pdf.SetFillColor(0, 0, 0)
	for r, row := range bm {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			pdf.Rect(x+float64(start)*mod, y+float64(r)*mod, float64(c-start)*mod, mod, "F")
		}
	}
	return nil
}

// boxes lays out labelled check boxes, perRow to a row.
func boxes(pdf *fpdf.Fpdf, left, top, width float64, labels []string, size float64, perRow int) {
	pdf.SetFont(fontName, "", size)
	cell := width / float64(perRow)
	box := size * 0.42
	row := size * 0.62
	for i, l := range labels {
		cx := left + float64(i%perRow)*cell
		cy := top + float64(i/perRow)*row
		pdf.SetLineWidth(0.25)
		pdf.Rect(cx, cy+(row-box)/2-0.3, box, box, "D")
		pdf.SetXY(cx+box+0.8, cy)
		pdf.CellFormat(cell-box-1, row, l, "", 0, "L", false, 0, "")
	}
	rows := (len(labels) + perRow - 1) / perRow
	pdf.SetY(top + float64(rows)*row)
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " / 工号 " + b
}
