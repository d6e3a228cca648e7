package countysync

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Signature headers.
const (
	HeaderAppKey    = "X-App-Key"
	HeaderTimestamp = "X-Timestamp"
	HeaderSignature = "X-Signature"
)

// Signer signs a request body. HMACSigner is the spec's default; a county
// that requires SM2/SM3 (国密) gets its own Signer and nothing else changes.
type Signer interface {
	Sign(h http.Header, body []byte, now time.Time) error
}

// HMACSigner: X-Signature = hex HMAC-SHA256(secret, timestamp + "\n" + body).
type HMACSigner struct {
	AppKey string
	Secret []byte
}

// Sign sets the three signature headers.
func (s HMACSigner) Sign(h http.Header, body []byte, now time.Time) error {
	if s.AppKey == "" || len(s.Secret) == 0 {
		return errors.New("no app key or secret")
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	h.Set(HeaderAppKey, s.AppKey)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, hmacHex(s.Secret, ts, body))
	return nil
}

func hmacHex(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("\n"))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyHMAC checks the headers of a request signed by HMACSigner: the key
// is known, the timestamp within skew of now, the signature right.
func VerifyHMAC(h http.Header, body []byte, secrets map[string]string, now time.Time, skew time.Duration) error {
	secret, ok := secrets[h.Get(HeaderAppKey)]
	if !ok {
		return errors.New("unknown app key")
	}
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > skew || d < -skew {
		return errors.New("timestamp outside the allowed window")
	}
	want := hmacHex([]byte(secret), ts, body)
	got := h.Get(HeaderSignature)
	if !hmac.Equal([]byte(want), []byte(got)) {
		return errors.New("bad signature")
	}
	return nil
}
