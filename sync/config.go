package countysync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/storage"
	"bianmin/sync/update"
)

// CountyConfig is what GET /api/v1/config pushes down: the item catalogue,
// holiday overrides, the policy profile's name, the tag code table and an
// update manifest, each validated (Validate) and applied in one transaction
// (PullConfig), plus the QR ratings made on phones since (see QRRating).
type CountyConfig struct {
	Version  string          `json:"version"`
	Items    []CountyItem    `json:"items"`
	Holidays []CountyHoliday `json:"holidays"`
	Profile  string          `json:"profile"` // a built-in profile; "" keeps the centre's
	Tags     []CountyTag     `json:"tags"`
	Manifest *UpdateManifest `json:"manifest"` // null, or all fields empty: no update
	// QRRatings are not part of the versioned configuration: they are
	// processed on every pull, each once (by its id), whatever the version.
	QRRatings []QRRating `json:"qrRatings,omitempty"`
}

// CountyItem is one entry of the county's 事项清单.
type CountyItem struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Department  string   `json:"department"`
	Instant     bool     `json:"instant"`               // 即办件; false = 承诺件
	PromiseDays int      `json:"promiseDays,omitempty"` // 承诺办结时限, working days
	Materials   []string `json:"materials,omitempty"`   // absent: the centre's own list stays
	Pinyin      string   `json:"pinyin,omitempty"`      // absent: the centre's own stays
}

// CountyHoliday is one working-day correction (app.CalendarDay).
type CountyHoliday struct {
	Date string `json:"date"` // YYYY-MM-DD
	Work bool   `json:"work"` // true: 调休上班; false: a day off
	Name string `json:"name"`
}

// CountyTag is one entry of the tag code table: evaluations upload the code
// (evalDetail) of each tag name. Kind "good" or "bad" also offers the tag
// after a good or bad level instead of the profile's own tags.
type CountyTag struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"` // "", "good", "bad"
}

// UpdateManifest announces a new version of bianmin for the centre; what
// gets installed is decided by the publisher's signature (sync/update).
type UpdateManifest = update.Manifest

// ConfigError is a configuration that must not replace a good one; Msg says
// why, in Chinese, for the manager's status.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

func badConfig(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// Validate refuses a configuration that must not replace a good one. Every
// part is checked before anything is applied.
func (c *CountyConfig) Validate() error {
	if strings.TrimSpace(c.Version) == "" {
		return badConfig("配置缺少版本号")
	}
	if len(c.Items) == 0 {
		return badConfig("事项目录为空")
	}
	seen := map[string]bool{}
	for i, it := range c.Items {
		code := strings.TrimSpace(it.Code)
		if code == "" || strings.TrimSpace(it.Name) == "" {
			return badConfig("事项目录第%d项缺少事项编码或名称", i+1)
		}
		if code != it.Code || strings.ContainsAny(code, " \t\r\n") {
			return badConfig("事项目录第%d项的事项编码 %q 含有空白字符", i+1, it.Code)
		}
		if seen[code] {
			return badConfig("事项编码 %s 在事项目录中出现了两次", code)
		}
		seen[code] = true
		if it.PromiseDays < 0 || it.PromiseDays > 3650 {
			return badConfig("事项 %s 的承诺办结时限（%d 个工作日）无效", code, it.PromiseDays)
		}
	}
	days := map[string]bool{}
	for i, h := range c.Holidays {
		if _, err := time.Parse("2006-01-02", h.Date); err != nil {
			return badConfig("节假日调整第%d项的日期 %q 无效，应为 YYYY-MM-DD", i+1, h.Date)
		}
		if days[h.Date] {
			return badConfig("节假日调整中日期 %s 出现了两次", h.Date)
		}
		days[h.Date] = true
	}
	if c.Profile != "" && !slices.Contains(app.BuiltinProfiles(), c.Profile) {
		return badConfig("评价规则 %q 不是本机支持的规则（支持：%s）", c.Profile, strings.Join(app.BuiltinProfiles(), "、"))
	}
	codes, names := map[string]bool{}, map[string]bool{}
	for i, t := range c.Tags {
		if strings.TrimSpace(t.Code) == "" || strings.TrimSpace(t.Name) == "" {
			return badConfig("评价标签表第%d项缺少代码或名称", i+1)
		}
		if codes[t.Code] || names[t.Name] {
			return badConfig("评价标签 %s（%s）在标签表中出现了两次", t.Code, t.Name)
		}
		codes[t.Code], names[t.Name] = true, true
		if t.Kind != "" && t.Kind != "good" && t.Kind != "bad" {
			return badConfig("评价标签 %s 的类别 %q 无效，应为 good 或 bad", t.Code, t.Kind)
		}
	}
	if m := c.Manifest; !m.Empty() {
		if err := m.Check(); err != nil {
			return badConfig("%s", err.Error())
		}
	}
	return nil
}

// Settings keys of the applied configuration (all under settingsPrefix).
const (
	keyConfigVersion  = settingsPrefix + "config.version"
	keyConfigApplied  = settingsPrefix + "config.applied_at"
	keyConfigHolidays = settingsPrefix + "config.holidays" // JSON []CountyHoliday
	keyConfigTags     = settingsPrefix + "config.tags"     // JSON []CountyTag
	keyConfigProfile  = settingsPrefix + "config.profile"
	keyConfigManifest = settingsPrefix + "config.manifest" // JSON UpdateManifest, "" when none
	keyConfigError    = settingsPrefix + "config.error"    // Chinese; "" after a good pull
	keyConfigErrorAt  = settingsPrefix + "config.error_at"
)

// errNoConfig: the county answers 404, it has nothing for the centre.
var errNoConfig = errors.New("no configuration for the centre (HTTP 404)")

// fetchConfig downloads the raw configuration for the centre.
func (s *Sender) fetchConfig(ctx context.Context, areaCode string) ([]byte, error) {
	s.init()
	if !s.Settings.Configured() {
		return nil, &UploadError{Msg: "尚未设置县级平台地址和应用密钥", Err: ErrNotConfigured}
	}
	u := strings.TrimRight(s.Settings.URL, "/") + "/api/v1/config?centre=" + url.QueryEscape(areaCode)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &UploadError{Msg: "县级平台地址无效，请检查设置", Err: err}
	}
	if err := s.Signer.Sign(req.Header, nil, s.Now()); err != nil {
		return nil, &UploadError{Msg: "无法签名请求，请检查应用密钥设置", Err: err}
	}
	resp, b, err := s.exchange(ctx, req, 32<<20)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, &UploadError{Msg: "县级平台没有为本中心下发配置", Err: errNoConfig}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &UploadError{Msg: fmt.Sprintf("县级平台未能提供配置（HTTP %d），继续使用原配置", resp.StatusCode),
			Err: fmt.Errorf("HTTP %s", resp.Status), Retryable: resp.StatusCode >= 500}
	}
	return b, nil
}

func decodeConfig(b []byte) (*CountyConfig, error) {
	var c CountyConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, &UploadError{Msg: "县级平台下发的配置无法识别，继续使用原配置", Err: err}
	}
	return &c, nil
}

// FetchConfig downloads and validates the county's configuration for the centre.
func (s *Sender) FetchConfig(ctx context.Context, areaCode string) (*CountyConfig, error) {
	b, err := s.fetchConfig(ctx, areaCode)
	if err != nil {
		return nil, err
	}
	c, err := decodeConfig(b)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, &UploadError{Msg: "县级平台下发的配置有误，继续使用原配置：" + err.Error(), Err: err}
	}
	return c, nil
}

// ConfigStore applies a configuration in one transaction; *storage.DB is one.
type ConfigStore interface {
	ApplyCountyConfig(ctx context.Context, c storage.CountyConfig) error
	SettingsByKey(ctx context.Context, keys []string) (map[string]string, error)
}

// PullResult is what one PullConfig did.
type PullResult struct {
	Offered  string // the version the county served ("" when nothing could be read)
	Previous string // the version applied before
	Applied  bool   // Offered is now applied
	QR       QRResult
}

// PullConfig fetches the county's configuration and applies it when its
// version is new: every part is validated first and everything is written in
// one transaction, so a bad or interrupted download leaves the previous
// configuration whole. The manager's status keeps why a configuration was
// refused. The QR ratings that came with it are then stored (ProcessQR),
// whether or not the configuration itself was usable.
func (s *Sender) PullConfig(ctx context.Context) (PullResult, error) {
	s.init()
	var res PullResult
	kv, err := s.Store.Settings(ctx, settingsPrefix+"config.")
	if err != nil {
		return res, &UploadError{Msg: "读取本机配置失败，稍后重试", Err: err, Retryable: true}
	}
	res.Previous = kv[keyConfigVersion]
	c, err := s.Store.Centre(ctx)
	if err != nil {
		return res, &UploadError{Msg: "读取本机中心信息失败，稍后重试", Err: err, Retryable: true}
	}
	b, err := s.fetchConfig(ctx, c.AreaCode)
	if errors.Is(err, errNoConfig) {
		return res, nil // this county pushes nothing down
	}
	if AnswerUnverified(err) {
		// Not the link: someone answered who cannot prove to be the county.
		return res, s.configRefused(ctx, res.Previous, "", err)
	}
	if err != nil {
		return res, err // the link, not the configuration: the status says so through Drain
	}
	cfg, err := decodeConfig(b)
	if err != nil {
		return res, s.configRefused(ctx, res.Previous, "", &ConfigError{Msg: "内容无法识别（不是有效的配置数据）"})
	}
	res.Offered = cfg.Version
	var applyErr error
	if cfg.Version != res.Previous {
		applyErr = s.applyConfig(ctx, cfg, res.Previous)
		res.Applied = applyErr == nil
	}
	if len(cfg.QRRatings) > 0 {
		qr, err := s.ProcessQR(ctx, cfg.QRRatings)
		res.QR = qr
		if err != nil && applyErr == nil {
			return res, err
		}
	}
	return res, applyErr
}

func (s *Sender) applyConfig(ctx context.Context, cfg *CountyConfig, previous string) error {
	if err := cfg.Validate(); err != nil {
		return s.configRefused(ctx, previous, cfg.Version, err)
	}
	items := make([]app.ServiceItem, len(cfg.Items))
	for i, it := range cfg.Items {
		items[i] = app.ServiceItem{Code: it.Code, Name: strings.TrimSpace(it.Name), Department: it.Department,
			Instant: it.Instant, PromiseDays: it.PromiseDays, Materials: it.Materials, Pinyin: it.Pinyin, Active: true}
	}
	holidays, _ := json.Marshal(nonNil(cfg.Holidays))
	tags, _ := json.Marshal(nonNil(cfg.Tags))
	manifest := ""
	if !cfg.Manifest.Empty() {
		b, _ := json.Marshal(cfg.Manifest)
		manifest = string(b)
	}
	err := s.Store.ApplyCountyConfig(ctx, storage.CountyConfig{Version: cfg.Version, Items: items, Profile: cfg.Profile,
		Settings: map[string]string{
			keyConfigVersion: cfg.Version, keyConfigApplied: s.Now().Format(time.RFC3339),
			keyConfigHolidays: string(holidays), keyConfigTags: string(tags), keyConfigProfile: cfg.Profile,
			keyConfigManifest: manifest, keyConfigError: "", keyConfigErrorAt: "",
		}})
	if err != nil {
		return s.configRefused(ctx, previous, cfg.Version, &UploadError{Msg: "保存县级配置时出错", Err: err, Retryable: true})
	}
	s.Log.Info("county configuration applied", "version", cfg.Version, "previous", previous, "items", len(items))
	return nil
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// configRefused keeps why a configuration was not applied, for the status.
func (s *Sender) configRefused(ctx context.Context, previous, offered string, cause error) error {
	why := cause.Error()
	var ce *ConfigError
	var ue *UploadError
	switch {
	case errors.As(cause, &ce):
		why = ce.Msg
	case errors.As(cause, &ue):
		why = ue.Msg
	}
	keep := "继续使用原配置（版本 " + previous + "）"
	if previous == "" {
		keep = "尚无可用的县级配置，继续使用本机设置"
	}
	what := "县级平台下发的配置"
	if offered != "" {
		what += "（版本 " + offered + "）"
	}
	msg := what + "未采用：" + why + "；" + keep
	if err := s.Store.SaveSettings(context.WithoutCancel(ctx), map[string]string{
		keyConfigError: msg, keyConfigErrorAt: s.Now().Format(time.RFC3339)}); err != nil {
		s.Log.Warn("unable to keep the configuration error", "err", err)
	}
	s.Log.Warn("county configuration refused", "offered", offered, "kept", previous, "err", cause)
	return &UploadError{Msg: msg, Err: cause}
}

// ConfigStatus is the applied configuration as the manager's status shows it.
type ConfigStatus struct {
	Version   string // "" before the first good pull
	AppliedAt time.Time
	Error     string // Chinese: why the last configuration was refused; "" when the last one was applied
	Update    *UpdateManifest
}

func configStatus(kv map[string]string) ConfigStatus {
	st := ConfigStatus{Version: kv[keyConfigVersion], Error: kv[keyConfigError]}
	if t, err := time.Parse(time.RFC3339, kv[keyConfigApplied]); err == nil {
		st.AppliedAt = t.In(app.ChinaTime)
	}
	if m := kv[keyConfigManifest]; m != "" {
		var u UpdateManifest
		if json.Unmarshal([]byte(m), &u) == nil && u.Version != "" {
			st.Update = &u
		}
	}
	return st
}

// LoadPushedRules applies the county's holiday overrides to cal and, when
// the tag table gives kinds, its tags to the profile's choices. cli's
// wire.OpenService calls it after reading the profile and the local files, so
// the county's days win over holidays.toml.
func LoadPushedRules(ctx context.Context, st SettingsStore, p *app.Profile, cal *app.Calendar) error {
	kv, err := st.Settings(ctx, settingsPrefix+"config.")
	if err != nil {
		return err
	}
	if h := kv[keyConfigHolidays]; h != "" && cal != nil {
		var days []CountyHoliday
		if err := json.Unmarshal([]byte(h), &days); err != nil {
			return fmt.Errorf("county holiday overrides: %w", err)
		}
		if err := cal.ParseOverrides(holidaysTOML(days)); err != nil {
			return err
		}
	}
	if t := kv[keyConfigTags]; t != "" && p != nil {
		var tags []CountyTag
		if err := json.Unmarshal([]byte(t), &tags); err != nil {
			return fmt.Errorf("county tag table: %w", err)
		}
		var good, bad []string
		for _, tg := range tags {
			switch tg.Kind {
			case "good":
				good = append(good, tg.Name)
			case "bad":
				bad = append(bad, tg.Name)
			}
		}
		if len(good) > 0 {
			p.Tags.Good = good
		}
		if len(bad) > 0 {
			p.Tags.Bad = bad
		}
	}
	return nil
}

// holidaysTOML writes days in the holiday file's format (app.Calendar.ParseOverrides).
func holidaysTOML(days []CountyHoliday) string {
	var b strings.Builder
	for _, d := range days {
		// Dates are validated (YYYY-MM-DD); names are quoted as TOML basic
		// strings, whose escapes JSON's are a subset of.
		name, _ := json.Marshal(d.Name)
		fmt.Fprintf(&b, "[[day]]\ndate = %q\nwork = %t\nname = %s\n", d.Date, d.Work, name)
	}
	return b.String()
}

// tagCodes reads the tag table as name → code.
func tagCodes(kv map[string]string) map[string]string {
	var tags []CountyTag
	if json.Unmarshal([]byte(kv[keyConfigTags]), &tags) != nil {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Name] = t.Code
	}
	return m
}
