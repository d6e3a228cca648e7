package serialport

import (
	"sort"

	"golang.org/x/sys/windows/registry"
)

// Info describes a port found on the machine.
type Info struct {
	Name  string // COM3
	Label string // the driver's device name
}

// List reads HKLM\HARDWARE\DEVICEMAP\SERIALCOMM.
func List() ([]Info, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DEVICEMAP\SERIALCOMM`, registry.QUERY_VALUE)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	names, err := k.ReadValueNames(0)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, n := range names {
		if v, _, err := k.GetStringValue(n); err == nil {
			out = append(out, Info{Name: v, Label: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
