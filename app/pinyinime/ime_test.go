package pinyinime

import (
	"slices"
	"testing"
)

func texts(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Text
	}
	return out
}

func TestSegment(t *testing.T) {
	for in, want := range map[string][]string{
		"wangxiuying": {"wang", "xiu", "ying"},
		"wxy":         {"w", "x", "y"},
		"xian":        {"xian"},
		"ouyangnana":  {"ou", "yang", "na", "na"},
		"zhangs":      {"zhang", "s"},
	} {
		if got, ok := Segment(in); !ok || !slices.Equal(got, want) {
			t.Errorf("Segment(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := Segment("vvv"); ok {
		t.Error("vvv segmented")
	}
}

// Names come out as a clerk means them: the surname first (王, not 往), then
// given-name characters; initials work too; 复姓 lead for "oy".
func TestNameCandidates(t *testing.T) {
	if c := Candidates("wangxiuying", Names, 0, 9); len(c) == 0 || c[0].Text != "王秀英" || c[0].Consumes != 3 {
		t.Errorf("wangxiuying: %q", texts(c))
	}
	if c := Candidates("wxy", Names, 0, 9); len(c) == 0 || c[0].Text != "王秀英" {
		t.Errorf("wxy: %q", texts(c))
	}
	c := Candidates("wang", Names, 0, 9)
	if len(c) < 3 || c[0].Text != "王" || !slices.Contains(texts(c), "汪") || !slices.Contains(texts(c), "往") ||
		slices.Index(texts(c), "往") < slices.Index(texts(c), "汪") {
		t.Errorf("wang as a surname: %q", texts(c))
	}
	if c := Candidates("oy", Names, 0, 9); len(c) == 0 || c[0].Text != "欧阳" {
		t.Errorf("oy: %q", texts(c))
	}
	if c := Candidates("ouyangnana", Names, 0, 9); len(c) == 0 || c[0].Text != "欧阳娜娜" {
		t.Errorf("ouyangnana: %q", texts(c))
	}
	if c := Candidates("sm", Names, 0, 9); !slices.Contains(texts(c), "司马") {
		t.Errorf("sm: %q", texts(c))
	}
	// 曾 as a surname is zeng; 单 is shan.
	if c := Candidates("zeng", Names, 0, 3); len(c) == 0 || c[0].Text != "曾" {
		t.Errorf("zeng: %q", texts(c))
	}
	// In the given name, surnames are not pushed forward.
	if c := Candidates("ying", Names, 1, 3); len(c) == 0 || c[0].Text != "英" {
		t.Errorf("ying after a surname: %q", texts(c))
	}
	if Rest("wangxiuying", Candidate{Text: "王", Consumes: 1}) != "xiuying" {
		t.Error("Rest")
	}
}

// Text mode for notes: common characters first.
func TestTextCandidates(t *testing.T) {
	if c := Candidates("de", Text, 5, 3); len(c) == 0 || c[0].Text != "的" {
		t.Errorf("de: %q", texts(c))
	}
}
