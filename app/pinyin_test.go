package app

import "testing"

func TestPinyinInitials(t *testing.T) {
	for name, want := range map[string]string{
		"户籍迁移":           "hjqy",
		"社会保障卡申领":        "shbzksl",
		"城乡居民基本养老保险参保登记": "cxjmjbylbxcbdj",
		"60岁以上老年人优待证":    "60syslnryd" + "z",
		"":               "",
	} {
		if got := PinyinInitials(name); got != want {
			t.Errorf("PinyinInitials(%q) = %q, want %q", name, got, want)
		}
	}
}
