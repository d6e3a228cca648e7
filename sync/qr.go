package countysync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/printing"
)

// QRRating is a rating made on a phone after scanning the receipt's QR code
// (评价渠道 二维码). The county collects them and hands them down with the
// configuration (GET /api/v1/config, "qrRatings"; the spec is silent on this,
// so the field names follow the evaluation record's). The same rating may be
// served on every pull until the county drops it; ID makes storing it once.
type QRRating struct {
	ID                string `json:"id"`                // the county's id of the rating
	ProjectNo         string `json:"projectNo"`         // 办件流水号 on the receipt
	Satisfaction      int    `json:"satisfaction"`      // 1–5 in the county's direction (Settings.SatisfactionDescending)
	EvalDetail        string `json:"evalDetail"`        // tag codes, comma-separated (the tag table)
	WritingEvaluation string `json:"writingEvaluation"` // free text
	AssessTime        string `json:"assessTime"`        // yyyy-MM-dd HH:mm:ss, China time
	// Sig is the qm parameter of the scanned link (printing.RateURL); it
	// must match the projectNo under Settings.QRKey, or the rating is refused.
	Sig          string `json:"sig,omitempty"`
	EvaluatorTel string `json:"evaluatorTel,omitempty"`
}

// QRRater stores a rating through the rules; *app.Service is one.
type QRRater interface {
	Rate(ctx context.Context, actor *app.Staff, req app.RateRequest) ([]app.Evaluation, error)
}

// QRResult counts what one ProcessQR did.
type QRResult struct {
	Stored  int // rated through the rules (bad ones opened their work orders)
	Refused int // kept in the manager's list with the reason
	Known   int // processed on an earlier pull
	Waiting int // left for a later pull (no Rater here)
}

// QRRefusal is a phone rating the rules (or the checks before them) refused:
// it is kept for the manager, never silently dropped.
type QRRefusal struct {
	ID        string    `json:"id"`
	ProjectNo string    `json:"projectNo"`
	Level     app.Level `json:"level"` // 0 when the satisfaction could not be read
	Text      string    `json:"text"`
	RatedAt   string    `json:"ratedAt"` // as the county gave it
	Reason    string    `json:"reason"`  // Chinese
	At        time.Time `json:"at"`
}

// Settings keys of QR processing: one per processed rating, so a rating is
// stored once however often the county serves it.
const (
	keyQRDone    = settingsPrefix + "qr.done."    // + id → "stored" or "refused"
	keyQRRefused = settingsPrefix + "qr.refused." // + id → JSON QRRefusal
)

// qrDevice is the Device stored with a phone rating: it names the county's
// rating, so a rating stored just before a crash is recognised on the next pull.
func qrDevice(id string) string { return "手机扫码 " + id }

// ProcessQR stores the phone ratings through the Rater with app.ChannelQR:
// the profile's rules decide (already rated, window closed, a bad rating
// without a reason), and bad ratings open their work orders there. A refused
// rating goes to the manager's list (QRRefusals) with the reason. Each
// rating is processed once, by its id. A store failure stops processing;
// what is left goes on the next pull.
func (s *Sender) ProcessQR(ctx context.Context, list []QRRating) (QRResult, error) {
	s.init()
	var res QRResult
	if len(list) == 0 {
		return res, nil
	}
	if s.Rater == nil {
		res.Waiting = len(list)
		s.Log.Warn("QR ratings left for a process with the rating service", "count", len(list))
		return res, nil
	}
	for i := range list {
		if list[i].ID == "" {
			// Without the county's id there is nothing to recognise it by:
			// name it by its content, so the same one is still kept once.
			b, _ := json.Marshal(list[i])
			h := sha256.Sum256(b)
			list[i].ID = "无编号-" + hex.EncodeToString(h[:8])
		}
	}
	keys := make([]string, len(list))
	for i, r := range list {
		keys[i] = keyQRDone + r.ID
	}
	done, err := s.Store.SettingsByKey(ctx, keys)
	if err != nil {
		return res, &UploadError{Msg: "读取二维码评价记录失败，稍后重试", Err: err, Retryable: true}
	}
	kv, err := s.Store.Settings(ctx, settingsPrefix+"config.tags")
	if err != nil {
		return res, &UploadError{Msg: "读取评价标签表失败，稍后重试", Err: err, Retryable: true}
	}
	names := map[string]string{}
	for name, code := range tagCodes(kv) {
		names[code] = name
	}
	for _, r := range list {
		if _, ok := done[keyQRDone+r.ID]; ok {
			res.Known++
			continue
		}
		done[keyQRDone+r.ID] = "" // twice in one answer: once
		req, why := s.qrRequest(r, names)
		if why == "" {
			_, err := s.Rater.Rate(ctx, nil, req)
			switch {
			case err == nil:
			case app.ErrorCode(err) != "":
				if stored, lerr := s.qrStoredBefore(ctx, r); lerr != nil {
					return res, &UploadError{Msg: "读取本机评价失败，稍后重试", Err: lerr, Retryable: true}
				} else if !stored {
					why = app.UserMessage(err)
				}
			default:
				return res, &UploadError{Msg: "保存二维码评价失败，稍后重试", Err: err, Retryable: true}
			}
		}
		if err := s.qrDone(ctx, r, req.Level, why); err != nil {
			return res, err
		}
		if why == "" {
			res.Stored++
		} else {
			res.Refused++
			s.Log.Info("QR rating refused", "id", r.ID, "serial", r.ProjectNo, "reason", why)
		}
	}
	return res, nil
}

// qrRequest checks a phone rating and turns it into a rating request; a
// non-empty reason (Chinese) refuses it before the rules.
func (s *Sender) qrRequest(r QRRating, tagNames map[string]string) (app.RateRequest, string) {
	req := app.RateRequest{Serial: strings.TrimSpace(r.ProjectNo), Channel: app.ChannelQR, Device: qrDevice(r.ID),
		Text: strings.TrimSpace(r.WritingEvaluation), EvaluatorTel: strings.TrimSpace(r.EvaluatorTel)}
	if req.Serial == "" {
		return req, "二维码评价缺少办件流水号"
	}
	// Serial numbers are sequential: without the receipt's signature
	// anyone could rate any transaction (county-upload.md, "QR").
	switch {
	case strings.TrimSpace(r.Sig) == "":
		return req, "二维码评价缺少回执签名（不是从本中心回执扫码的），不予入账"
	case s.Settings.QRKey == "":
		return req, "本机未设置二维码签名密钥，无法核验该二维码评价；请在上传设置中填写 --qr-key"
	case !printing.VerifySig([]byte(s.Settings.QRKey), req.Serial, r.Sig):
		return req, "二维码签名与办件流水号不符（可能是伪造的或其他办件的二维码），不予入账"
	}
	if r.Satisfaction < 1 || r.Satisfaction > 5 {
		return req, fmt.Sprintf("满意度 %d 无效，应为1至5", r.Satisfaction)
	}
	req.Level = app.Level(r.Satisfaction)
	if s.Settings.SatisfactionDescending {
		req.Level = app.Level(6 - r.Satisfaction)
	}
	t, err := time.ParseInLocation(TimeLayout, strings.TrimSpace(r.AssessTime), app.ChinaTime)
	if err != nil {
		return req, fmt.Sprintf("评价时间 %q 无法识别", r.AssessTime)
	}
	req.RatedAt = t
	req.Tags = []string{}
	for _, code := range strings.Split(r.EvalDetail, ",") {
		if code = strings.TrimSpace(code); code == "" {
			continue
		}
		name, ok := tagNames[code]
		if !ok {
			name = code // an unknown code still says what the person chose
		}
		if !slices.Contains(req.Tags, name) {
			req.Tags = append(req.Tags, name)
		}
	}
	return req, ""
}

// qrStoredBefore reports whether this phone rating is already stored (a
// crash after Rate and before it was marked done).
func (s *Sender) qrStoredBefore(ctx context.Context, r QRRating) (bool, error) {
	tx, err := s.Store.TransactionBySerial(ctx, strings.TrimSpace(r.ProjectNo))
	if errors.Is(err, app.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	evs, err := s.Store.EvaluationsFor(ctx, []int64{tx.ID})
	if err != nil {
		return false, err
	}
	for _, e := range evs {
		if e.Channel == app.ChannelQR && e.Device == qrDevice(r.ID) {
			return true, nil
		}
	}
	return false, nil
}

// qrDone marks the rating processed; a refused one joins the manager's list
// in the same write.
func (s *Sender) qrDone(ctx context.Context, r QRRating, level app.Level, why string) error {
	kv := map[string]string{keyQRDone + r.ID: "stored"}
	if why != "" {
		b, _ := json.Marshal(QRRefusal{ID: r.ID, ProjectNo: r.ProjectNo, Level: level, Text: r.WritingEvaluation,
			RatedAt: r.AssessTime, Reason: why, At: s.Now()})
		kv[keyQRDone+r.ID] = "refused"
		kv[keyQRRefused+r.ID] = string(b)
	}
	if err := s.Store.SaveSettings(ctx, kv); err != nil {
		return &UploadError{Msg: "保存二维码评价处理结果失败，稍后重试", Err: err, Retryable: true}
	}
	return nil
}

// QRRefusals lists the phone ratings that were not stored, with the reason,
// oldest first.
func (s *Sender) QRRefusals(ctx context.Context) ([]QRRefusal, error) {
	s.init()
	kv, err := s.Store.Settings(ctx, keyQRRefused)
	if err != nil {
		return nil, err
	}
	out := make([]QRRefusal, 0, len(kv))
	for k, v := range kv {
		var r QRRefusal
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("QR refusal %s: %w", k, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b QRRefusal) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
