package countysync

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// CountyConfig is what GET /api/v1/config pushes down. Fetching and
// validating are done here; applying it to the centre (atomically, keeping
// the old one on a bad download) is not built yet.
type CountyConfig struct {
	Version string `json:"version"`
	Items   []struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		Department string `json:"department"`
		Instant    bool   `json:"instant"`
	} `json:"items"`
	Holidays []struct {
		Date string `json:"date"`
		Work bool   `json:"work"`
		Name string `json:"name"`
	} `json:"holidays"`
	Profile string `json:"profile"`
	Tags    []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"tags"`
	Manifest json.RawMessage `json:"manifest"`
}

// Validate refuses a configuration that must not replace a good one.
func (c *CountyConfig) Validate() error {
	if strings.TrimSpace(c.Version) == "" {
		return fmt.Errorf("config has no version")
	}
	if len(c.Items) == 0 {
		return fmt.Errorf("config has an empty item catalogue")
	}
	seen := map[string]bool{}
	for i, it := range c.Items {
		if it.Code == "" || it.Name == "" {
			return fmt.Errorf("item %d has no code or name", i)
		}
		if seen[it.Code] {
			return fmt.Errorf("item code %s appears twice", it.Code)
		}
		seen[it.Code] = true
	}
	for i, t := range c.Tags {
		if t.Code == "" || t.Name == "" {
			return fmt.Errorf("tag %d has no code or name", i)
		}
	}
	return nil
}

// FetchConfig downloads and validates the county's configuration for the centre.
func (s *Sender) FetchConfig(ctx context.Context, areaCode string) (*CountyConfig, error) {
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
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, netError(ctx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, netError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &UploadError{Msg: fmt.Sprintf("县级平台未能提供配置（HTTP %d）", resp.StatusCode),
			Err: fmt.Errorf("HTTP %s", resp.Status), Retryable: resp.StatusCode >= 500}
	}
	var c CountyConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, &UploadError{Msg: "县级平台下发的配置无法识别，继续使用原配置", Err: err}
	}
	if err := c.Validate(); err != nil {
		return nil, &UploadError{Msg: "县级平台下发的配置有误，继续使用原配置", Err: err}
	}
	return &c, nil
}
