package countysync_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/app"
	countysync "bianmin/sync"
)

// fakeCounty answers like the county would, accepting every record and
// pushing a configuration down, but without the app secret: sign decides
// what it puts in X-Signature (nothing, or a guess).
func fakeCounty(t *testing.T, sign func(r *http.Request, body []byte) string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch r.URL.Path {
		case "/api/v1/records":
			var b countysync.Batch
			json.NewDecoder(r.Body).Decode(&b)
			var resp countysync.Response
			for _, rec := range b.Records {
				resp.Results = append(resp.Results, countysync.Result{ID: rec.ID, Status: countysync.StatusAccepted})
			}
			body, _ = json.Marshal(resp)
		case "/api/v1/config":
			body = goodConfig("9999.1")
		}
		if sig := sign(r, body); sig != "" {
			w.Header().Set(countysync.HeaderSignature, sig)
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// logBuffer is a logger whose lines the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// A server at the county's address that does not hold the app secret gets
// nothing trusted: no record is marked sent (so the real county still gets
// every one), no configuration is applied, the status says in Chinese that
// the answer could not be verified, and the log says why precisely.
func TestFakeCountyAnswersAreNotTrusted(t *testing.T) {
	for name, sign := range map[string]func(r *http.Request, body []byte) string{
		"unsigned": func(*http.Request, []byte) string { return "" },
		"guessed secret": func(r *http.Request, body []byte) string {
			return countysync.AnswerSignature([]byte("guess"), r.Header.Get(countysync.HeaderSignature), body)
		},
		// The request's own signature echoed back: valid hex, wrong value.
		"echo": func(r *http.Request, _ []byte) string { return r.Header.Get(countysync.HeaderSignature) },
		// Right secret, but over another request: what a replay gives.
		"other request": func(_ *http.Request, body []byte) string {
			return countysync.AnswerSignature([]byte(testSecret), "0000", body)
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCentre(t)
			c.visit(t, app.LevelGood, "")
			before := items(t, c)
			snd := newSender(c, fakeCounty(t, sign))
			var log logBuffer
			snd.Log = slog.New(slog.NewTextHandler(&log, nil))
			snd.MaxAttempts = 2

			if _, err := snd.Drain(ctx); err == nil || !countysync.AnswerUnverified(err) {
				t.Fatalf("drain against a fake county: %v", err)
			}
			if _, err := snd.PullConfig(ctx); err == nil || !countysync.AnswerUnverified(err) {
				t.Fatalf("config from a fake county: %v", err)
			}
			st, err := snd.Status(ctx)
			must(t, err)
			if st.Backlog != 3 || st.LastError != countysync.MsgAnswerUnverified {
				t.Fatalf("status after a fake county: %+v", st)
			}
			if st.Config.Version != "" || st.Config.Update != nil || !strings.Contains(st.Config.Error, "无法核验") {
				t.Fatalf("configuration after a fake county: %+v", st.Config)
			}
			if after := items(t, c); len(after) != len(before) {
				t.Fatalf("catalogue changed by a fake county: %v → %v", before, after)
			}
			if !strings.Contains(log.String(), "county answer not verified") {
				t.Fatalf("no precise log line:\n%s", log.String())
			}

			// The real county then receives everything, once.
			sim, url := startSim(t, countysync.SimOptions{Config: goodConfig("2026.2")})
			snd.Settings.URL = url
			drainAll(t, snd, 5)
			assertExactlyOnce(t, c, sim, 3)
			res, err := snd.PullConfig(ctx)
			must(t, err)
			if !res.Applied || res.Offered != "2026.2" {
				t.Fatalf("real county's configuration: %+v", res)
			}
		})
	}
}

// An old configuration answer, genuinely signed by the county, replayed to
// a later request (to roll the catalogue back) does not verify: the
// signature is bound to the request it answered, not to a clock.
func TestReplayedCountyAnswerIsRefused(t *testing.T) {
	c := newCentre(t)
	sim, simURL := startSim(t, countysync.SimOptions{Config: goodConfig("2026.1")})
	var (
		mu       sync.Mutex
		recorded *http.Response
		body     []byte
	)
	// A man in the middle: forwards the first request and keeps the
	// county's answer, then plays it back for every later one.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if recorded == nil {
			req, _ := http.NewRequest(r.Method, simURL+r.URL.RequestURI(), r.Body)
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			recorded = resp
		}
		w.Header().Set(countysync.HeaderSignature, recorded.Header.Get(countysync.HeaderSignature))
		w.WriteHeader(recorded.StatusCode)
		w.Write(body)
	}))
	defer proxy.Close()
	snd := newSender(c, proxy.URL)
	// Each request a second after the one before, as pulls minutes apart
	// would be: two requests in the same second with the same body are the
	// same request, and its answer is the same answer.
	start, tick := time.Now(), 0
	snd.Now = func() time.Time { tick++; return start.Add(time.Duration(tick) * time.Second) }
	res, err := snd.PullConfig(ctx)
	must(t, err)
	if !res.Applied || res.Offered != "2026.1" {
		t.Fatalf("first, forwarded pull: %+v", res)
	}
	sim.SetConfig(goodConfig("2026.2"))
	// The centre moves on to 2026.2 directly, then the replay tries to put 2026.1 back.
	snd.Settings.URL = simURL
	res, err = snd.PullConfig(ctx)
	must(t, err)
	if !res.Applied || res.Offered != "2026.2" {
		t.Fatalf("second pull: %+v", res)
	}
	snd.Settings.URL = proxy.URL
	if _, err := snd.PullConfig(ctx); !countysync.AnswerUnverified(err) {
		t.Fatalf("replayed answer: %v", err)
	}
	st, err := snd.Status(ctx)
	must(t, err)
	if st.Config.Version != "2026.2" {
		t.Fatalf("replay rolled the configuration back to %q", st.Config.Version)
	}
}

// The county link must be https; http only on loopback or with the
// manager's explicit setting, which the status then shows. A refused URL
// is never dialled.
func TestCountyURLMustBeHTTPS(t *testing.T) {
	c := newCentre(t)
	c.visit(t, app.LevelGood, "")
	s := countysync.DefaultSettings()
	s.URL, s.AppKey, s.Secret = "http://hcp.county.example/", testKey, testSecret
	err := countysync.SaveSettings(ctx, c.db, s)
	if app.ErrorCode(err) != "county_http_refused" || !strings.Contains(app.UserMessage(err), "https://") {
		t.Fatalf("saving an http county URL: %v", err)
	}
	for _, ok := range []string{"https://hcp.county.example/", "http://127.0.0.1:8790", "http://localhost:8790", "http://[::1]:8790"} {
		s.URL = ok
		must(t, countysync.SaveSettings(ctx, c.db, s))
	}

	// Settings kept by an older version with an http URL: refused at send time.
	s.URL = "http://hcp.county.example/"
	snd := countysync.NewSender(c.db, s)
	dialled := false
	snd.Client = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		dialled = true
		return nil, errors.New("must not dial")
	})}
	snd.MaxAttempts = 1
	if _, err := snd.Drain(ctx); err == nil || dialled {
		t.Fatalf("drain over http: err %v, dialled %v", err, dialled)
	}
	st, err := snd.Status(ctx)
	must(t, err)
	if !strings.Contains(st.LastError, "必须以 https:// 开头") || st.Backlog != 3 {
		t.Fatalf("status: %+v", st)
	}

	// Allowed explicitly: saved, and the status warns.
	s.AllowHTTP = true
	must(t, countysync.SaveSettings(ctx, c.db, s))
	got, err := countysync.LoadSettings(ctx, c.db)
	must(t, err)
	if !got.AllowHTTP {
		t.Fatal("AllowHTTP not kept")
	}
	st, err = countysync.NewSender(c.db, got).Status(ctx)
	must(t, err)
	if !strings.Contains(strings.Join(st.Lines(), "\n"), "连接未加密（http）") {
		t.Fatalf("no warning for an allowed http link: %v", st.Lines())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
