package cli

import (
	"fmt"
	"os"
	"time"

	"bianmin/devices"
	"bianmin/devices/escpos"
	"bianmin/printing/sysprint"
)

// printers lists the system's printers and prints test jobs through the
// spooler, for the IT person setting up 系统打印机 (Windows printers, CUPS).
func (c *cmd) printers(args []string) int {
	fs, _ := c.flags("printers", "[--test 打印机名 [--paper 58|80]] [--pdf FILE.pdf [--printer 打印机名]]")
	test := fs.String("test", "", "向该小票打印机打印测试页（ESC/POS，原始数据）/ print the receipt test page on this printer")
	paper := fs.Int("paper", 80, "小票纸宽 58 或 80 毫米 / receipt paper width")
	pdf := fs.String("pdf", "", "打印该 PDF 文件 / print this PDF")
	printer := fs.String("printer", "", "PDF 打印到的打印机，默认为系统默认打印机 / the printer for --pdf (default: the system's)")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	switch {
	case *test != "":
		prof := escpos.Profile80
		if *paper == 58 {
			prof = escpos.Profile58
		} else if *paper != 80 {
			return c.usageErr("纸宽应为 58 或 80 毫米", "--paper takes 58 or 80")
		}
		if err := sysprint.PrintRaw(c.ctx, *test, "bianmin test page", devices.TestPage(prof, "便民服务中心", time.Now())); err != nil {
			return c.fail("printers", err)
		}
		fmt.Fprintf(c.out, "测试页已送往“%s”\n", *test)
		return 0
	case *pdf != "":
		if _, err := os.Stat(*pdf); err != nil {
			return c.usageErr("找不到文件："+*pdf, err.Error())
		}
		if err := sysprint.PrintPDF(c.ctx, *printer, *pdf); err != nil {
			return c.fail("printers", err)
		}
		to := *printer
		if to == "" {
			to = "系统默认打印机"
		}
		fmt.Fprintf(c.out, "已送往“%s”：%s\n", to, *pdf)
		return 0
	}
	names, err := sysprint.Printers(c.ctx)
	if err != nil {
		return c.fail("printers", err)
	}
	def, err := sysprint.Default(c.ctx)
	if err != nil {
		return c.fail("printers", err)
	}
	if len(names) == 0 {
		fmt.Fprintln(c.out, "本机没有安装打印机。")
		return 0
	}
	for _, n := range names {
		mark := "  "
		if n == def {
			mark = "* " // the default
		}
		fmt.Fprintln(c.out, mark+n)
	}
	return 0
}
