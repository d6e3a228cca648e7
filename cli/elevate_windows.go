package cli

import (
	"fmt"
	"strings"
	"syscall"
	"unsafe"
)

var shellExecute = syscall.NewLazyDLL("shell32.dll").NewProc("ShellExecuteW")

// runElevated starts exe with args through the "runas" verb, which shows
// Windows' 用户账户控制 prompt; it fails when the user declines.
func runElevated(exe string, args ...string) error {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = syscall.EscapeArg(a)
	}
	verb, _ := syscall.UTF16PtrFromString("runas")
	file, err := syscall.UTF16PtrFromString(exe)
	if err != nil {
		return err
	}
	params, err := syscall.UTF16PtrFromString(strings.Join(quoted, " "))
	if err != nil {
		return err
	}
	const swShowNormal = 1
	r, _, callErr := shellExecute.Call(0, uintptr(unsafe.Pointer(verb)), uintptr(unsafe.Pointer(file)),
		uintptr(unsafe.Pointer(params)), 0, swShowNormal)
	if r <= 32 {
		return fmt.Errorf("ShellExecute runas %s: code %d: %v", exe, r, callErr)
	}
	return nil
}
