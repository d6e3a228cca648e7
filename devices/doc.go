// Package devices connects the window's hardware to app/: rating keypads
// (keypad/, both protocols), receipt printers (escpos/) and the serial
// transport (serialport/), with a manager that reconnects after an unplug and
// reports status to the screens in Chinese.
//
// A window PC starts its devices with StartWindow: one WindowRig runs the
// keypad and the printer its devices.json (devconf) names, simulates on
// pseudo-terminals those it does not name (Linux), and gives the counter,
// the kiosk and the settings screen plain functions (StartRating, OnRated,
// PrintReceipt, PrintNotice, PrintTicket, Status, TestKeypad, TestPrinter,
// Preview, Save).
package devices
