package devconf

import "testing"

// The counter bar's short lines carry no ports or file paths (设备设置 has
// them), but an error in full, since the clerk must act on it.
func TestStatusShort(t *testing.T) {
	for _, c := range []struct {
		s    Status
		want string
	}{
		{Status{Device: "评价器", State: StateConnected, Text: "已连接（COM3，frame 协议）"}, "评价器正常"},
		{Status{Device: "打印机", State: StateConnected, Simulated: true,
			Text: "已连接（模拟打印机，80mm），打印件保存在 /home/u/.local/share/bianmin/receipts"}, "打印机正常（模拟）"},
		{Status{Device: "打印机", State: StateConnected, Text: "已连接（COM4，80mm），打印纸即将用完，请及时更换",
			Warn: "打印纸即将用完，请及时更换"}, "打印机正常，打印纸即将用完，请及时更换"},
		{Status{Device: "评价器", State: StateReconnecting, Text: "正在重连（连接中断：COM3）"}, "评价器连接中断，正在重连"},
		{Status{Device: "打印机", State: StateError, Text: "错误：打印机缺纸，请装纸后重试"}, "打印机：错误：打印机缺纸，请装纸后重试"},
	} {
		if got := c.s.Short(); got != c.want {
			t.Errorf("%+v: Short() = %q, want %q", c.s, got, c.want)
		}
	}
}
