package countysync_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"bianmin/app"
	"bianmin/storage"
	countysync "bianmin/sync"
)

// goodConfig is a complete configuration of the given version.
func goodConfig(version string) json.RawMessage {
	return json.RawMessage(`{
	"version": "` + version + `",
	"items": [
		{"code": "370911-001", "name": "城乡居民基本养老保险参保登记", "department": "人社所", "instant": true},
		{"code": "370911-002", "name": "高龄津贴申领", "department": "民政办", "instant": false, "promiseDays": 5,
		 "materials": ["身份证", "户口簿"]}
	],
	"holidays": [{"date": "2026-10-10", "work": true, "name": "国庆调休"}, {"date": "2026-10-12", "work": false, "name": "县庆"}],
	"profile": "taian",
	"tags": [{"code": "T01", "name": "态度冷淡", "kind": "bad"}, {"code": "T02", "name": "耐心细致", "kind": "good"},
	         {"code": "T03", "name": "系统故障"}],
	"manifest": {"version": "1.4.0", "url": "https://hcp.example.gov.cn/bianmin/1.4.0/bianmin.zip",
	             "sha256": "` + strings.Repeat("ab", 32) + `",
	             "minisig": "https://hcp.example.gov.cn/bianmin/1.4.0/bianmin.zip.minisig"}
}`)
}

func items(t *testing.T, c *centre) map[string]app.ServiceItem {
	t.Helper()
	its, err := c.db.Items(ctx)
	must(t, err)
	out := map[string]app.ServiceItem{}
	for _, it := range its {
		out[it.Code] = it
	}
	return out
}

// The county pushes a configuration: it is applied whole and remembered; the
// same version is not applied again; broken ones are refused part by part,
// the good one stays, and the manager's status says why in Chinese.
func TestPullConfigAppliesAndKeepsTheGoodOne(t *testing.T) {
	c := newCentre(t)
	sim, url := startSim(t, countysync.SimOptions{Config: goodConfig("2026.2")})
	snd := newSender(c, url)

	res, err := snd.PullConfig(ctx)
	must(t, err)
	if !res.Applied || res.Offered != "2026.2" || res.Previous != "" {
		t.Fatalf("first pull: %+v", res)
	}
	checkGood := func(t *testing.T) {
		t.Helper()
		its := items(t, c)
		if len(its) != 2 || its["370911-002"].PromiseDays != 5 || !its["370911-002"].Active ||
			!slices.Equal(its["370911-002"].Materials, []string{"身份证", "户口簿"}) {
			t.Fatalf("catalogue: %+v", its)
		}
		cen, err := c.db.Centre(ctx)
		must(t, err)
		if cen.Profile != "taian" {
			t.Fatalf("profile %q", cen.Profile)
		}
		st, err := snd.Status(ctx)
		must(t, err)
		if st.Config.Version != "2026.2" || st.Config.AppliedAt.IsZero() || st.Config.Update == nil ||
			st.Config.Update.Version != "1.4.0" {
			t.Fatalf("status: %+v", st.Config)
		}
	}
	checkGood(t)

	// The app reads the pushed holidays and tags (wire.OpenService calls this).
	p, err := app.LoadProfile("taian", "")
	must(t, err)
	cal := app.NewCalendar()
	must(t, countysync.LoadPushedRules(ctx, c.db, p, cal))
	sat := time.Date(2026, 10, 10, 9, 0, 0, 0, app.ChinaTime)
	mon := time.Date(2026, 10, 12, 9, 0, 0, 0, app.ChinaTime)
	if !cal.IsWorkday(sat) || cal.IsWorkday(mon) {
		t.Fatal("pushed holiday overrides not used by the calendar")
	}
	if !slices.Equal(p.Tags.Bad, []string{"态度冷淡"}) || !slices.Equal(p.Tags.Good, []string{"耐心细致"}) {
		t.Fatalf("profile tags: %+v", p.Tags)
	}

	// The same version is not applied again: a local change stays.
	must(t, c.db.SaveItem(ctx, app.ServiceItem{Code: "370911-001", Name: "本机改过的名称", Instant: true, Active: true}))
	res, err = snd.PullConfig(ctx)
	must(t, err)
	if res.Applied || items(t, c)["370911-001"].Name != "本机改过的名称" {
		t.Fatalf("same version re-applied: %+v", res)
	}
	must(t, c.db.SaveItem(ctx, app.ServiceItem{Code: "370911-001", Name: "城乡居民基本养老保险参保登记", Department: "人社所",
		Instant: true, Active: true}))

	broken := map[string]struct{ cfg, why string }{
		"item without name": {`{"version": "2026.3", "items": [{"code": "370911-009", "name": ""}]}`, "事项目录第1项缺少事项编码或名称"},
		"empty catalogue":   {`{"version": "2026.3", "items": []}`, "事项目录为空"},
		"duplicate item": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}, {"code": "A", "name": "乙"}]}`,
			"事项编码 A 在事项目录中出现了两次"},
		"unknown profile": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}], "profile": "beijing"}`,
			"评价规则 \"beijing\" 不是本机支持的规则"},
		"bad holiday": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}], "holidays": [{"date": "2026-13-01"}]}`,
			"节假日调整第1项的日期 \"2026-13-01\" 无效"},
		"manifest with a bad sha256": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}],
			"manifest": {"version": "1.5", "url": "https://x.example/b.zip", "sha256": "abc", "minisig": "x"}}`, "升级清单的校验值"},
		"unsigned manifest": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}],
			"manifest": {"version": "1.5", "url": "https://x.example/b.zip", "sha256": ""}}`, "缺少发布者签名"},
		"manifest without url": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}],
			"manifest": {"version": "1.5", "url": "", "sha256": "` + strings.Repeat("0", 64) + `"}}`, "升级清单的下载地址"},
		"tag without code": {`{"version": "2026.3", "items": [{"code": "A", "name": "甲"}], "tags": [{"code": "", "name": "慢"}]}`,
			"评价标签表第1项缺少代码或名称"},
		"no version": {`{"items": [{"code": "A", "name": "甲"}]}`, "配置缺少版本号"},
		"not json":   {`{"version": "2026.3", "items": [`, "无法识别"},
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			sim.SetConfig(json.RawMessage(b.cfg))
			res, err := snd.PullConfig(ctx)
			if err == nil || res.Applied {
				t.Fatalf("broken configuration applied: %+v", res)
			}
			checkGood(t)
			st, err := snd.Status(ctx)
			must(t, err)
			if !strings.Contains(st.Config.Error, b.why) || !strings.Contains(st.Config.Error, "继续使用原配置（版本 2026.2）") {
				t.Fatalf("status error %q, want it to say %q", st.Config.Error, b.why)
			}
			if !slices.ContainsFunc(st.Lines(), func(l string) bool { return strings.Contains(l, b.why) }) {
				t.Fatalf("status lines do not say why: %q", st.Lines())
			}
		})
	}

	// A good one replaces it and clears the error; the dropped item stays, inactive.
	sim.SetConfig(json.RawMessage(`{"version": "2026.4", "items": [{"code": "370911-002", "name": "高龄津贴申领", "instant": true}]}`))
	res, err = snd.PullConfig(ctx)
	must(t, err)
	its := items(t, c)
	if !res.Applied || res.Previous != "2026.2" || its["370911-001"].Active || !its["370911-002"].Active ||
		!slices.Equal(its["370911-002"].Materials, []string{"身份证", "户口簿"}) {
		t.Fatalf("2026.4: %+v %+v", res, its)
	}
	st, err := snd.Status(ctx)
	must(t, err)
	if st.Config.Version != "2026.4" || st.Config.Error != "" || st.Config.Update != nil {
		t.Fatalf("status after 2026.4: %+v", st.Config)
	}
}

// With the tag table applied, evaluations upload the county's tag codes.
func TestEvaluationsUploadTagCodes(t *testing.T) {
	c := newCentre(t)
	_, url := startSim(t, countysync.SimOptions{Config: goodConfig("2026.2")})
	snd := newSender(c, url)
	_, err := snd.PullConfig(ctx)
	must(t, err)
	tx, ev := c.visit(t, app.LevelBad, "")
	ev.Tags = []string{"态度冷淡", "本机自定义"}
	payload, _ := json.Marshal(ev)
	m, err := countysync.NewMapper(ctx, c.db, snd.Settings)
	must(t, err)
	rec, err := m.Map(ctx, storage.OutboxRow{ID: 99, Kind: storage.OutboxEvaluation, RecordUID: ev.UID, Payload: payload})
	must(t, err)
	var d countysync.EvaluationData
	must(t, json.Unmarshal(rec.Data, &d))
	if d.EvalDetail != "T01,本机自定义" || d.ProjectNo != tx.Serial {
		t.Fatalf("evalDetail %q", d.EvalDetail)
	}
}

// failingApply fails the configuration's transaction at its last write,
// after the items, the deactivations and the profile were written.
type failingApply struct{ *storage.DB }

func (f failingApply) ApplyCountyConfig(ctx context.Context, c storage.CountyConfig) error {
	c.Settings[""] = "the settings table refuses an empty key"
	return f.DB.ApplyCountyConfig(ctx, c)
}

// An error in the middle of applying leaves the old configuration whole.
func TestPullConfigFailureMidApplyKeepsTheOldOne(t *testing.T) {
	c := newCentre(t)
	sim, url := startSim(t, countysync.SimOptions{Config: goodConfig("2026.2")})
	snd := newSender(c, url)
	_, err := snd.PullConfig(ctx)
	must(t, err)
	before := items(t, c)

	sim.SetConfig(json.RawMessage(`{"version": "2026.3", "profile": "shenzhen",
		"items": [{"code": "370911-003", "name": "新事项", "instant": true}]}`))
	broken := newSender(c, url)
	broken.Store = failingApply{c.db}
	if _, err := broken.PullConfig(ctx); err == nil {
		t.Fatal("no error")
	}
	after := items(t, c)
	if len(after) != len(before) || !after["370911-001"].Active || !after["370911-002"].Active {
		t.Fatalf("catalogue changed by a failed apply: %+v", after)
	}
	cen, _ := c.db.Centre(ctx)
	st, err := snd.Status(ctx)
	must(t, err)
	if cen.Profile != "taian" || st.Config.Version != "2026.2" ||
		!strings.Contains(st.Config.Error, "保存县级配置时出错") || !strings.Contains(st.Config.Error, "版本 2026.2") {
		t.Fatalf("after a failed apply: profile %q, status %+v", cen.Profile, st.Config)
	}
	// The next pull, with the store working, applies it.
	res, err := snd.PullConfig(ctx)
	must(t, err)
	if !res.Applied || !items(t, c)["370911-003"].Active {
		t.Fatalf("retry: %+v", res)
	}
}
