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

// Signer signs a request body and verifies the county's answer to it.
// HMACSigner is the spec's default; a county that requires SM2/SM3 (国密)
// gets its own Signer and nothing else changes.
type Signer interface {
	Sign(h http.Header, body []byte, now time.Time) error
	// VerifyAnswer checks the answer (its headers and body) to the request
	// whose signed headers are req. The sender calls it before it reads
	// the status or the body: an answer that fails is a failed request.
	VerifyAnswer(req, answer http.Header, body []byte) error
}

// HMACSigner signs with X-Signature = hex HMAC-SHA256(secret, timestamp + "\n" + body).
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

// Errors of VerifyAnswer, for the log.
var (
	ErrAnswerUnsigned = errors.New("county answer carries no X-Signature")
	ErrAnswerForged   = errors.New("county answer's X-Signature does not match (wrong secret, or not the county)")
)

// AnswerUnverified reports whether err is an answer that failed its
// signature check (HMACSigner's errors).
func AnswerUnverified(err error) bool {
	return errors.Is(err, ErrAnswerUnsigned) || errors.Is(err, ErrAnswerForged)
}

// VerifyAnswer checks X-Signature = hex HMAC-SHA256(secret, "response\n" +
// the request's X-Signature + "\n" + body) (county-upload.md, "Trust:
// answers are signed too"). Binding it to the request's signature, which
// covers the request's timestamp, keeps an old answer from being replayed
// for a new request without trusting the PC's clock.
func (s HMACSigner) VerifyAnswer(req, answer http.Header, body []byte) error {
	got := answer.Get(HeaderSignature)
	if got == "" {
		return ErrAnswerUnsigned
	}
	want := AnswerSignature(s.Secret, req.Get(HeaderSignature), body)
	if !hmac.Equal([]byte(want), []byte(got)) {
		return ErrAnswerForged
	}
	return nil
}

// AnswerSignature is the X-Signature the county puts on its answer to a
// request signed reqSig.
func AnswerSignature(secret []byte, reqSig string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("response\n"))
	mac.Write([]byte(reqSig))
	mac.Write([]byte("\n"))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func hmacHex(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("\n"))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyHMAC checks the headers of a request signed by HMACSigner: the key
// is known, the timestamp within skew of now, the signature right. It
// returns the key's secret, with which the answer is signed.
func VerifyHMAC(h http.Header, body []byte, secrets map[string]string, now time.Time, skew time.Duration) (string, error) {
	secret, ok := secrets[h.Get(HeaderAppKey)]
	if !ok {
		return "", errors.New("unknown app key")
	}
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return secret, errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > skew || d < -skew {
		return secret, errors.New("timestamp outside the allowed window")
	}
	want := hmacHex([]byte(secret), ts, body)
	got := h.Get(HeaderSignature)
	if !hmac.Equal([]byte(want), []byte(got)) {
		return secret, errors.New("bad signature")
	}
	return secret, nil
}
