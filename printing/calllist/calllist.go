// Package calllist prints the quarterly call-back list (TA 二.5 办件随机抽评):
// the drawn transactions with masked personal data, and boxes for the answer
// the manager ticks during the call and enters afterwards.
package calllist

import (
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"bianmin/app"
	"bianmin/assets"
)

const font = "wqy"

// Write renders the list as an A4 landscape PDF. created fixes the PDF's
// dates so the same list gives the same bytes.
func Write(w io.Writer, centre string, l *app.CallbackList, created time.Time) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetProducer("bianmin", false)
	pdf.SetTitle("办件随机抽评电话回访表", true)
	pdf.AddUTF8FontFromBytes(font, "", assets.UIFont)
	pdf.SetMargins(12, 12, 12)
	pdf.SetAutoPageBreak(true, 14)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont(font, "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("第 %d 页 · 个人信息已脱敏，拨号时在系统中查看完整号码（留有查看记录）", pdf.PageNo()),
			"", 0, "C", false, 0, "")
	})
	cols := []struct {
		title string
		w     float64
	}{{"序号", 10}, {"办件流水号", 38}, {"事项", 44}, {"窗口", 10}, {"工号", 12}, {"办结日期", 20},
		{"申请人", 26}, {"联系电话", 26}, {"回访结果（勾选）", 52}, {"意见建议", 35}}
	header := func() {
		pdf.SetFont(font, "", 9)
		pdf.SetFillColor(230, 236, 245)
		for _, c := range cols {
			pdf.CellFormat(c.w, 8, c.title, "1", 0, "C", true, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetHeaderFunc(func() {
		if pdf.PageNo() > 1 {
			header()
		}
	})
	pdf.AddPage()
	pdf.SetFont(font, "", 15)
	pdf.CellFormat(0, 9, centre+" 办件随机抽评电话回访表", "", 1, "C", false, 0, "")
	pdf.SetFont(font, "", 9.5)
	pdf.CellFormat(0, 6, fmt.Sprintf("%s · 本季度有电话的已办结办件 %d 件，抽取 %d 件 · 抽样种子 %d（同一种子可复核抽样结果）· %s 抽取于 %s",
		l.Quarter.Chinese(), l.Population, len(l.Entries), l.Seed, l.DrawnBy, l.DrawnAt.In(app.ChinaTime).Format("2006-01-02 15:04")),
		"", 1, "C", false, 0, "")
	pdf.Ln(2)
	header()
	pdf.SetFont(font, "", 9)
	for i, e := range l.Entries {
		who := e.Applicant
		if e.Agent {
			who += "（代办）"
		}
		cells := []string{fmt.Sprint(i + 1), e.Serial, e.ItemName, fmt.Sprintf("%d号", e.Window), e.ClerkNo,
			e.CompletedAt.In(app.ChinaTime).Format("2006-01-02"), who, e.Phone,
			"□满意 □基本满意 □不满意 □未接通", ""}
		for j, c := range cols {
			txt := cells[j]
			for pdf.GetStringWidth(txt) > c.w-2 && len([]rune(txt)) > 1 {
				r := []rune(txt)
				txt = string(r[:len(r)-2]) + "…"
			}
			pdf.CellFormat(c.w, 11, txt, "1", 0, map[bool]string{true: "L", false: "C"}[j == 2 || j == 8], false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.Ln(4)
	pdf.SetFont(font, "", 10)
	pdf.CellFormat(0, 7, "回访人：____________    回访日期：____________    审核：____________", "", 1, "L", false, 0, "")
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("call list pdf: %w", err)
	}
	return pdf.Output(w)
}
