//go:build windows

package pinyinime

import (
	"syscall"
	"unsafe"
)

var getKeyboardLayoutList = syscall.NewLazyDLL("user32.dll").NewProc("GetKeyboardLayoutList")

// SystemIME reports whether Windows has a Chinese (PRC) input language
// installed, whose default IME is 微软拼音: a keyboard layout whose
// language identifier is 0x0804.
func SystemIME() bool {
	var hkl [64]uintptr
	n, _, _ := getKeyboardLayoutList.Call(uintptr(len(hkl)), uintptr(unsafe.Pointer(&hkl[0])))
	for i := 0; i < int(n) && i < len(hkl); i++ {
		if hkl[i]&0xFFFF == 0x0804 {
			return true
		}
	}
	return false
}
