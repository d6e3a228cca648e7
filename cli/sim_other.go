//go:build !linux

package cli

// sim needs pseudo-terminals; on Windows use a virtual COM-port pair (com0com).
func (c *cmd) sim(args []string) int {
	return c.usageErr("设备模拟器需要 Linux 伪终端；Windows 上请使用虚拟串口对（如 com0com）",
		"device simulators need Linux pseudo-terminals")
}
