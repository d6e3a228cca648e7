// Package devices connects the window's hardware to app/: rating keypads
// (keypad/, both protocols), receipt printers (escpos/) and the serial
// transport (serialport/), with a manager that reconnects after an unplug and
// reports status to the screens in Chinese.
package devices
