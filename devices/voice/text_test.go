package voice

import "testing"

func TestText(t *testing.T) {
	for _, c := range []struct {
		number string
		window int
		want   string
	}{
		{"A012", 3, "请A零一二号，到三号窗口办理"},
		{"B001", 10, "请B零零一号，到十号窗口办理"},
		{"c100", 12, "请C一零零号，到十二号窗口办理"},
		{"A999", 20, "请A九九九号，到二十号窗口办理"},
		{"A007", 21, "请A零零七号，到二十一号窗口办理"},
		{" V-05 ", 2, "请V零五号，到二号窗口办理"},
		{"绿001", 99, "请绿零零一号，到九十九号窗口办理"},
		{"A012", 100, "请A零一二号，到100号窗口办理"},
		{"A012", 0, "请A零一二号办理"},
	} {
		if got := Text(c.number, c.window); got != c.want {
			t.Errorf("Text(%q, %d) = %q, want %q", c.number, c.window, got, c.want)
		}
	}
}
