package storage

import (
	"slices"
	"testing"

	"bianmin/app"
)

func itemsByCode(t *testing.T, d *DB) map[string]app.ServiceItem {
	t.Helper()
	its, err := d.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]app.ServiceItem{}
	for _, it := range its {
		out[it.Code] = it
	}
	return out
}

// A county configuration is applied whole: items upserted in place (the
// centre's own materials kept when the county sends none), items the county
// dropped deactivated, the profile and the settings written; a failure after
// some of those writes leaves the previous configuration exactly as it was.
func TestApplyCountyConfigIsAtomic(t *testing.T) {
	d := openTest(t)
	if err := d.SaveCentre(ctx, app.Centre{Name: "测试中心", AreaCode: "370911105000", Profile: "national"}); err != nil {
		t.Fatal(err)
	}
	for _, it := range []app.ServiceItem{
		{Code: "X1", Name: "旧名称", Instant: true, Materials: []string{"身份证"}, Pinyin: "jmc", Active: true},
		{Code: "X2", Name: "县里已取消的事项", Instant: true, Active: true},
	} {
		if err := d.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	v1 := CountyConfig{Version: "v1", Profile: "taian",
		Items: []app.ServiceItem{
			{Code: "X1", Name: "居民身份证明", Department: "派出所", Instant: true, Active: true}, // nil materials: keep
			{Code: "X3", Name: "新增事项", Instant: false, PromiseDays: 5, Materials: []string{"申请表"}, Active: true},
		},
		Settings: map[string]string{"county.config.version": "v1", "county.config.tags": `[{"code":"T01","name":"态度不好"}]`}}
	if err := d.ApplyCountyConfig(ctx, v1); err != nil {
		t.Fatal(err)
	}
	after := func(t *testing.T) {
		t.Helper()
		its := itemsByCode(t, d)
		if x := its["X1"]; x.Name != "居民身份证明" || x.Department != "派出所" || !slices.Equal(x.Materials, []string{"身份证"}) ||
			x.Pinyin != "jmc" || !x.Active {
			t.Fatalf("X1 after v1: %+v", x)
		}
		if x := its["X2"]; x.Active || x.Name != "县里已取消的事项" {
			t.Fatalf("X2 should be kept inactive: %+v", x)
		}
		if x := its["X3"]; !x.Active || x.PromiseDays != 5 || !slices.Equal(x.Materials, []string{"申请表"}) {
			t.Fatalf("X3: %+v", x)
		}
		if len(its) != 3 {
			t.Fatalf("items: %v", its)
		}
		c, err := d.Centre(ctx)
		if err != nil || c.Profile != "taian" {
			t.Fatalf("centre after v1: %+v %v", c, err)
		}
		kv, err := d.SettingsByKey(ctx, []string{"county.config.version", "county.config.tags", "county.config.holidays"})
		if err != nil || kv["county.config.version"] != "v1" || len(kv) != 2 {
			t.Fatalf("settings after v1: %v %v", kv, err)
		}
	}
	after(t)

	// The third item breaks the items table's CHECK after two were written.
	broken := CountyConfig{Version: "v2", Profile: "shenzhen",
		Items: []app.ServiceItem{
			{Code: "X1", Name: "改坏的名称", Active: true},
			{Code: "X4", Name: "不该出现的事项", Active: true},
			{Code: "", Name: "无编码", Active: true},
		},
		Settings: map[string]string{"county.config.version": "v2", "county.config.holidays": "[]"}}
	if err := d.ApplyCountyConfig(ctx, broken); err == nil {
		t.Fatal("a configuration with an empty item code was applied")
	}
	after(t)

	// Everything but the last setting is written: items, deactivation and
	// the profile; then the settings table's CHECK fails. Nothing stays.
	late := CountyConfig{Version: "v3", Profile: "shenzhen",
		Items:    []app.ServiceItem{{Code: "X4", Name: "不该出现的事项", Active: true}},
		Settings: map[string]string{"county.config.version": "v3", "": "fails last"}}
	if err := d.ApplyCountyConfig(ctx, late); err == nil {
		t.Fatal("a configuration with an empty settings key was applied")
	}
	after(t)
}

func TestSettingsByKey(t *testing.T) {
	d := openTest(t)
	if err := d.SaveSettings(ctx, map[string]string{"a.1": "x", "a.2": "y", "b": "z"}); err != nil {
		t.Fatal(err)
	}
	kv, err := d.SettingsByKey(ctx, []string{"a.2", "b", "missing"})
	if err != nil || len(kv) != 2 || kv["a.2"] != "y" || kv["b"] != "z" {
		t.Fatalf("%v %v", kv, err)
	}
}
