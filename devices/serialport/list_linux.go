package serialport

import (
	"os"
	"path/filepath"
	"sort"
)

// Info describes a port found on the machine.
type Info struct {
	Name  string // the path to open
	Label string // a stable by-id name where the kernel gives one
}

// List returns the serial ports: /sys/class/tty entries backed by a device
// (real UARTs and USB-serial chips), labelled with /dev/serial/by-id names.
func List() ([]Info, error) {
	byID := map[string]string{}
	if links, err := filepath.Glob("/dev/serial/by-id/*"); err == nil {
		for _, l := range links {
			if target, err := filepath.EvalSymlinks(l); err == nil {
				byID[target] = filepath.Base(l)
			}
		}
	}
	entries, err := os.ReadDir("/sys/class/tty")
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("/sys/class/tty", e.Name(), "device")); err != nil {
			continue // virtual consoles and ptys have no device link
		}
		dev := "/dev/" + e.Name()
		out = append(out, Info{Name: dev, Label: byID[dev]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
