//go:build !windows

package main

// attachConsole: only a Windows GUI-subsystem program lacks a console.
func attachConsole() {}
