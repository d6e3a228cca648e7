package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	countysync "bianmin/sync"
)

type fakeCounty struct {
	stored countysync.Settings
	saved  []countysync.Settings
	tested []countysync.Settings
	sent   int
}

// merged is what the station does: the form over the stored settings.
func (f *fakeCounty) merged(c CountyForm) countysync.Settings {
	s := f.stored
	s.URL, s.AppKey, s.Secret, s.QRKey, s.AllowHTTP, s.Interval = c.URL, c.AppKey, c.Secret, c.QRKey, c.AllowHTTP, c.Interval
	return s
}
func (f *fakeCounty) CountySettings(context.Context) (CountyForm, error) {
	s := f.stored
	return CountyForm{URL: s.URL, AppKey: s.AppKey, Secret: s.Secret, QRKey: s.QRKey, AllowHTTP: s.AllowHTTP, Interval: s.Interval}, nil
}
func (f *fakeCounty) SaveCountySettings(_ context.Context, c CountyForm) error {
	s := f.merged(c)
	if err := s.Validate(); err != nil {
		return err
	}
	f.saved, f.stored = append(f.saved, s), s
	return nil
}
func (f *fakeCounty) TestCounty(_ context.Context, c CountyForm) (string, error) {
	s := f.merged(c)
	f.tested = append(f.tested, s)
	if err := s.Validate(); err != nil {
		return "", err
	}
	return "县级平台应答正常，签名核验通过。", nil
}
func (f *fakeCounty) UploadStatus(context.Context) ([]string, error) {
	if !f.stored.Configured() {
		return nil, nil
	}
	return []string{"待上传 3 条"}, nil
}
func (f *fakeCounty) SendNow() { f.sent++ }

// 县级上传 is set up in the window: the form is checked before anything is
// sent (a plain http address off loopback refused with the trust rule's
// message), 测试连接 and 保存 take the form, the county's own codes kept.
func TestCountySettingsInWindow(t *testing.T) {
	be := &fakeCounty{stored: countysync.DefaultSettings()}
	be.stored.TaskType = "county-code-kept"
	env := syncEnv(t)
	s := NewCountySettings(env, be)
	env.Win.SetContent(s.Content())
	s.Reload()
	if s.Backlog.Text != "尚未配置县级上传。" || s.Interval.Text != "5" {
		t.Fatalf("a new centre: %q, interval %q", s.Backlog.Text, s.Interval.Text)
	}
	test.Tap(s.Save)
	if !strings.Contains(s.Msg.Text, "请填写平台地址") || len(be.saved) != 0 {
		t.Fatalf("empty form: %q, saved %d", s.Msg.Text, len(be.saved))
	}
	s.URL.SetText("http://hcp.example.gov.cn")
	s.AppKey.SetText("k1")
	s.Secret.SetText("s1")
	test.Tap(s.Test)
	if !strings.Contains(s.Msg.Text, "https") {
		t.Errorf("plain http off loopback: %q", s.Msg.Text)
	}
	s.URL.SetText("https://hcp.example.gov.cn/")
	s.Interval.SetText("五")
	test.Tap(s.Save)
	if !strings.Contains(s.Msg.Text, "分钟数") || len(be.saved) != 0 {
		t.Fatalf("bad interval: %q", s.Msg.Text)
	}
	s.Interval.SetText("10")
	test.Tap(s.Test)
	if s.Msg.Text != "县级平台应答正常，签名核验通过。" {
		t.Errorf("test: %q", s.Msg.Text)
	}
	test.Tap(s.Save)
	if len(be.saved) != 1 {
		t.Fatalf("saved %d (%q)", len(be.saved), s.Msg.Text)
	}
	got := be.saved[0]
	if got.URL != "https://hcp.example.gov.cn" || got.AppKey != "k1" || got.Secret != "s1" || got.Interval != 10*time.Minute ||
		got.TaskType != "county-code-kept" {
		t.Errorf("saved %+v", got)
	}
	if s.Backlog.Text != "待上传 3 条" {
		t.Errorf("status after saving: %q", s.Backlog.Text)
	}
	test.Tap(s.SendNow)
	if be.sent != 1 {
		t.Error("立即上传 did not start an upload")
	}
	if shownContains(env, "s1") {
		t.Error("the secret is shown in clear")
	}
}
