//go:build windows

package sysprint

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/alexbrainman/printer"
)

func printers(context.Context) ([]string, error) { return printer.ReadNames() }

func defaultPrinter(context.Context) (string, error) {
	name, err := printer.Default()
	if errors.Is(err, syscall.Errno(1168)) { // ERROR_NOT_FOUND: no default printer
		return "", nil
	}
	return name, err
}

// printRaw writes one RAW job (XPS_PASS on v4 drivers) through winspool.
func printRaw(_ context.Context, name, title string, data []byte) error {
	p, err := printer.Open(name)
	if err != nil {
		return userError("printer_not_found", fmt.Sprintf("找不到系统打印机“%s”，请在设备设置里重新选择", name), err)
	}
	defer p.Close()
	if err := p.StartRawDocument(title); err != nil {
		return userError("print_failed", "系统打印未成功，请检查打印机是否开机、连线是否正常", err)
	}
	if err := p.StartPage(); err != nil {
		p.EndDocument()
		return userError("print_failed", "系统打印未成功，请检查打印机是否开机、连线是否正常", err)
	}
	if _, err := p.Write(data); err != nil {
		p.EndPage()
		p.EndDocument()
		return userError("print_failed", "打印中断，请检查打印机后重新打印", err)
	}
	if err := p.EndPage(); err != nil {
		return userError("print_failed", "系统打印未成功", err)
	}
	if err := p.EndDocument(); err != nil {
		return userError("print_failed", "系统打印未成功", err)
	}
	return nil
}

var (
	shell32       = syscall.NewLazyDLL("shell32.dll")
	shellExecuteW = shell32.NewProc("ShellExecuteW")
)

// printPDF asks the program registered for PDF files to print it
// ("printto" with the printer's name, "print" for the default): Windows has
// no PDF renderer of its own to print with.
func printPDF(_ context.Context, name, path string) error {
	verb, params := "print", ""
	if name != "" {
		verb, params = "printto", `"`+name+`"`
	}
	v, _ := syscall.UTF16PtrFromString(verb)
	f, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	var pp *uint16
	if params != "" {
		pp, _ = syscall.UTF16PtrFromString(params)
	}
	const swHide = 0
	r, _, callErr := shellExecuteW.Call(0, uintptr(unsafe.Pointer(v)), uintptr(unsafe.Pointer(f)),
		uintptr(unsafe.Pointer(pp)), 0, swHide)
	if r <= 32 { // ShellExecute's documented failure range
		return userError("no_pdf_printer", "本机没有能打印 PDF 的程序（请安装 WPS、Adobe Reader 或 SumatraPDF 等阅读器），"+
			"也可以打开文件夹，把文件拷到能打印的电脑上",
			fmt.Errorf("ShellExecute %s %s: code %d: %v", verb, path, r, callErr))
	}
	return nil
}

func available() bool { return true } // the spooler is part of Windows
