// Package sysprint prints through the operating system's spooler, because
// most receipt printers in a hall are installed as Windows printers (USB001)
// and A4 documents go to the office printer: on Windows through winspool
// (github.com/alexbrainman/printer; ESC/POS as a RAW job), elsewhere through
// CUPS's lp/lpstat (`lp -d NAME -o raw` for ESC/POS, `lp -d NAME` for PDFs,
// which CUPS's filters render).
package sysprint

import (
	"context"
	"errors"
	"strings"

	"bianmin/app"
)

// ErrNoSpooler means the system has no print spooler this package can use
// (no CUPS client on Linux).
var ErrNoSpooler = errors.New("sysprint: no print spooler")

// Printers lists the system's printers by name.
func Printers(ctx context.Context) ([]string, error) { return printers(ctx) }

// Default is the system's default printer, "" when none is set.
func Default(ctx context.Context) (string, error) { return defaultPrinter(ctx) }

// PrintRaw sends data to the named printer as it is (ESC/POS for a receipt
// printer), as one job called title.
func PrintRaw(ctx context.Context, name, title string, data []byte) error {
	if strings.TrimSpace(name) == "" {
		return &app.UserError{Code: "printer_no_name", Msg: "请选择系统打印机"}
	}
	if len(data) == 0 {
		return errors.New("sysprint: empty job")
	}
	return printRaw(ctx, name, title, data)
}

// PrintPDF prints a PDF file on the named printer, or the default one when
// name is "".
func PrintPDF(ctx context.Context, name, path string) error { return printPDF(ctx, name, path) }

// userError is what the clerk or manager reads when the spooler refuses.
func userError(code app.Code, msg string, err error) error {
	return &app.UserError{Code: code, Msg: msg, Err: err}
}

// Available reports whether this system can print through a spooler: always
// on Windows, on Linux when the CUPS client is installed.
func Available() bool { return available() }
