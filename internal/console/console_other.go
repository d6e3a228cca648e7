//go:build !windows

package console

// Attach does nothing: only a Windows GUI-subsystem program lacks a console.
func Attach() {}
