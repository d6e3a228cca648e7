package lan

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"
)

// Every hub endpoint is TLS. The hub makes its own certificate on first
// start (no CA reaches a township LAN); a PC trusts it by its pin, a hash of
// the certificate that comes in the join code, so nobody in between can pose
// as the hub or read the traffic (names, phones, PINs' hashes).

// Settings keys of the hub's certificate.
const (
	CertSetting = "lan.tls.cert" // PEM
	KeyPEM      = "lan.tls.key"  // PEM, PKCS#8
)

// SettingsStore keeps the hub's certificate (storage.DB).
type SettingsStore interface {
	Settings(ctx context.Context, prefix string) (map[string]string, error)
	SaveSettings(ctx context.Context, kv map[string]string) error
}

// pinEncoding writes pins in capitals and digits, easy to read out.
var pinEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Pin is the pin of a certificate: the first 128 bits of the SHA-256 of its
// DER bytes, in base32 (26 characters).
func Pin(der []byte) string {
	sum := sha256.Sum256(der)
	return pinEncoding.EncodeToString(sum[:16])
}

// HubCert returns the hub's certificate and its pin, making and storing a
// new one (ECDSA P-256, valid for 20 years) on first use.
func HubCert(ctx context.Context, st SettingsStore) (tls.Certificate, string, error) {
	kv, err := st.Settings(ctx, "lan.tls.")
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if kv[CertSetting] != "" && kv[KeyPEM] != "" {
		c, err := tls.X509KeyPair([]byte(kv[CertSetting]), []byte(kv[KeyPEM]))
		if err != nil {
			return tls.Certificate{}, "", fmt.Errorf("lan: the hub's stored certificate is unusable: %w", err)
		}
		return c, Pin(c.Certificate[0]), nil
	}
	certPEM, keyPEM, err := newCert()
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if err := st.SaveSettings(ctx, map[string]string{CertSetting: string(certPEM), KeyPEM: string(keyPEM)}); err != nil {
		return tls.Certificate{}, "", err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	return c, Pin(c.Certificate[0]), nil
}

func newCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "bianmin hub", Organization: []string{"便民服务中心"}},
		NotBefore:    now.Add(-24 * time.Hour), // a PC whose clock is a little behind
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"bianmin-hub"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// ServerTLS is the hub's TLS configuration for its certificate.
func ServerTLS(c tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
}

// ErrPinMismatch is a hub whose certificate is not the pinned one: another
// machine answering at the hub's address, or a hub that was reinstalled.
var ErrPinMismatch = errors.New("the hub's certificate does not match the pin")

// PinnedTLS trusts exactly the certificate with pin (and nothing else: no
// CA, no host name, as the LAN has neither).
func PinnedTLS(pin string) *tls.Config {
	want := strings.ToUpper(strings.TrimSpace(pin))
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not verified against a CA (there is none); the pin
		// below is the whole check, done on every handshake.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrPinMismatch
			}
			got := Pin(cs.PeerCertificates[0].Raw)
			if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				return fmt.Errorf("%w (got %s)", ErrPinMismatch, got)
			}
			return nil
		},
	}
}

// PinnedTransport is an HTTP transport to the hub with the pinned
// certificate, for the Client and the relay's forwarder.
func PinnedTransport(pin string) *http.Transport {
	return &http.Transport{
		Proxy: nil, // a LAN peer; never through the browser's proxy
		DialContext: (&net.Dialer{
			Timeout:   3 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:       PinnedTLS(pin),
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
