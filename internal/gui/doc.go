// Package gui is the desktop program: the window and what a PC runs behind
// it for its role (the station: database, queue, devices, the hub's LAN
// server, the counter's forwarder, the rating window and the hall display).
// It is the only package that imports fyne.io/fyne/v2/app, so the only one
// that needs cgo and the GL driver; built with -tags nogui it is a stub that
// points to the command line.
package gui
