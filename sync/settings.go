package countysync

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
)

// SettingsStore keeps key-value settings; storage.DB implements it.
type SettingsStore interface {
	Settings(ctx context.Context, prefix string) (map[string]string, error)
	SaveSettings(ctx context.Context, kv map[string]string) error
}

// settingsPrefix namespaces the county settings in the settings table.
const settingsPrefix = "county."

// Settings is the county connection and the code tables that provinces
// disagree on. Zero values mean "the spec's default" (DefaultSettings).
type Settings struct {
	URL    string // base URL, e.g. https://hcp.example.gov.cn
	AppKey string // X-App-Key
	Secret string // HMAC secret
	// QRKey signs the receipt's rating link (printing.RateURL); a phone
	// rating that carries the link's signature is checked against it.
	QRKey string
	// AllowHTTP lets the county URL be plain http:// on a non-loopback
	// address: the manager's explicit choice for a county without TLS,
	// shown as a warning on the status screen and logged on every start.
	AllowHTTP bool
	Interval  time.Duration // periodic upload (default 5 min)
	Batch     int           // records per request (default 500)
	// BacklogWarn: an unsent record older than this raises a warning on the
	// manager's screen (default 24 h).
	BacklogWarn time.Duration

	// SatisfactionDescending: 1 = 非常满意 … 5 = 非常不满意 (GB/T 39046 A.8)
	// instead of the default 1 = 非常不满意 … 5 = 非常满意.
	SatisfactionDescending bool
	// PF maps a channel to its 评价渠道 code (pf). Provinces disagree on 6/7.
	PF map[app.Channel]int
	// PromiseInstant / PromiseCommitted are the promiseType codes of 即办件 / 承诺件.
	PromiseInstant   string
	PromiseCommitted string
	// DataSource maps a channel to the 3-digit dataSource; "" is the default.
	DataSource map[app.Channel]string
	TaskType   string // taskType for every item (GB/T 39046 A.1), default "20" 公共服务
	UserProp   string // userProp, default "1" 自然人
}

// DefaultSettings are the spec's defaults.
func DefaultSettings() Settings {
	return Settings{
		Interval:    5 * time.Minute,
		Batch:       500,
		BacklogWarn: 24 * time.Hour,
		PF: map[app.Channel]int{
			app.ChannelKeypad: 5, app.ChannelTablet: 4, app.ChannelQR: 3, app.ChannelPaper: 5,
			app.ChannelSelfService: 5, app.ChannelSMS: 6, app.ChannelHotline: 5, app.ChannelBook: 5,
			app.ChannelCallback: 5, app.ChannelSystem: 7,
		},
		PromiseInstant:   "1",
		PromiseCommitted: "2",
		DataSource: map[app.Channel]string{
			"": "001", app.ChannelPaper: "002", app.ChannelHotline: "003", app.ChannelBook: "004",
			app.ChannelCallback: "005", app.ChannelSMS: "006",
		},
		TaskType: "20",
		UserProp: "1",
	}
}

// Configured reports whether the county connection is set.
func (s Settings) Configured() bool { return s.URL != "" && s.AppKey != "" && s.Secret != "" }

// TransportAllowed refuses a plain http:// county URL unless it is on a
// loopback address (the simulator, tests) or AllowHTTP is set
// (county-upload.md, "Trust"): over http the answers are still verified,
// but the records, with applicants' names, would cross the network in clear.
func (s Settings) TransportAllowed() error {
	u, err := url.Parse(s.URL)
	if err != nil {
		return &app.UserError{Code: "bad_county_url", Msg: "县级平台地址无效，应以 https:// 开头", Err: err}
	}
	if u.Scheme == "https" || s.AllowHTTP || (u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil
	}
	return &app.UserError{Code: "county_http_refused",
		Msg: "县级平台地址必须以 https:// 开头（http 不加密，群众信息会以明文传送）；县里确实只提供 http 时，由中心负责人用 --allow-http 明确允许",
		Err: fmt.Errorf("county URL %q is not https and not loopback", u.Redacted())}
}

// PlainHTTP reports whether the county link is unencrypted on the network
// (allowed by AllowHTTP), for the status warning.
func (s Settings) PlainHTTP() bool {
	u, err := url.Parse(s.URL)
	return err == nil && u.Scheme == "http" && !isLoopback(u.Hostname())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate checks the settings a manager or the CLI entered.
func (s Settings) Validate() error {
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &app.UserError{Code: "bad_county_url", Msg: "县级平台地址无效，应以 https:// 开头"}
		}
		if err := s.TransportAllowed(); err != nil {
			return err
		}
	}
	if s.Interval < time.Second {
		return &app.UserError{Code: "bad_interval", Msg: "上传间隔至少为1秒"}
	}
	if s.Batch < 1 || s.Batch > 5000 {
		return &app.UserError{Code: "bad_batch", Msg: "每批记录数应在1至5000之间"}
	}
	for c, pf := range s.PF {
		if pf < 1 || pf > 9 {
			return &app.UserError{Code: "bad_pf", Msg: fmt.Sprintf("评价渠道代码（pf）无效：%s=%d", c, pf)}
		}
	}
	for c, ds := range s.DataSource {
		if len(ds) != 3 || strings.Trim(ds, "0123456789") != "" {
			return &app.UserError{Code: "bad_datasource", Msg: fmt.Sprintf("数据来源代码（dataSource）应为3位数字：%s=%q", c, ds)}
		}
	}
	return nil
}

// LoadSettings reads the stored county settings over the defaults.
func LoadSettings(ctx context.Context, st SettingsStore) (Settings, error) {
	s := DefaultSettings()
	kv, err := st.Settings(ctx, settingsPrefix)
	if err != nil {
		return s, err
	}
	get := func(k string) (string, bool) { v, ok := kv[settingsPrefix+k]; return v, ok }
	if v, ok := get("url"); ok {
		s.URL = v
	}
	if v, ok := get("app_key"); ok {
		s.AppKey = v
	}
	if v, ok := get("secret"); ok {
		s.Secret = v
	}
	if v, ok := get("qr_key"); ok {
		s.QRKey = v
	}
	s.AllowHTTP = kv[settingsPrefix+"allow_http"] == "true"
	durs := map[string]*time.Duration{"interval": &s.Interval, "backlog_warn": &s.BacklogWarn}
	for k, p := range durs {
		if v, ok := get(k); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return s, fmt.Errorf("county setting %s: %w", k, err)
			}
			*p = d
		}
	}
	if v, ok := get("batch"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return s, fmt.Errorf("county setting batch: %w", err)
		}
		s.Batch = n
	}
	if v, ok := get("satisfaction_descending"); ok {
		s.SatisfactionDescending = v == "true"
	}
	strs := map[string]*string{"promise_instant": &s.PromiseInstant, "promise_committed": &s.PromiseCommitted,
		"task_type": &s.TaskType, "user_prop": &s.UserProp}
	for k, p := range strs {
		if v, ok := get(k); ok {
			*p = v
		}
	}
	// Stored maps override entry by entry, so a county changes only its codes.
	if v, ok := get("pf"); ok {
		var m map[app.Channel]int
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return s, fmt.Errorf("county setting pf: %w", err)
		}
		for c, n := range m {
			s.PF[c] = n
		}
	}
	if v, ok := get("data_source"); ok {
		var m map[app.Channel]string
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return s, fmt.Errorf("county setting data_source: %w", err)
		}
		for c, n := range m {
			s.DataSource[c] = n
		}
	}
	return s, nil
}

// SaveSettings validates and stores every county setting at once.
func SaveSettings(ctx context.Context, st SettingsStore, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	pf, _ := json.Marshal(s.PF)
	ds, _ := json.Marshal(s.DataSource)
	kv := map[string]string{
		"url": s.URL, "app_key": s.AppKey, "secret": s.Secret, "qr_key": s.QRKey,
		"allow_http": strconv.FormatBool(s.AllowHTTP),
		"interval":   s.Interval.String(), "backlog_warn": s.BacklogWarn.String(), "batch": strconv.Itoa(s.Batch),
		"satisfaction_descending": strconv.FormatBool(s.SatisfactionDescending),
		"promise_instant":         s.PromiseInstant, "promise_committed": s.PromiseCommitted,
		"task_type": s.TaskType, "user_prop": s.UserProp, "pf": string(pf), "data_source": string(ds),
	}
	out := make(map[string]string, len(kv))
	for k, v := range kv {
		out[settingsPrefix+k] = v
	}
	return st.SaveSettings(ctx, out)
}
