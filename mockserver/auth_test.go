package mockserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// jwt builds a compact JWT from its JSON header and payload and a signature
// part given as is.
func jwt(header, payload, sig string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + sig
}

func TestJWTAuth(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	m := newMock(t, 1, func(c *Config) {
		c.Auth = AuthJWT
		c.Clock = func() time.Time { return now }
	})
	enc := base64.RawURLEncoding.EncodeToString
	hs := `{"alg":"HS256","typ":"JWT"}`
	sig := enc([]byte("not-a-real-signature"))
	future := fmt.Sprintf(`{"sub":"dev","exp":%d}`, now.Add(time.Hour).Unix())
	cases := []struct {
		name  string
		auth  string // the whole Authorization header; "" sends none
		ok    bool
		cause string // in WWW-Authenticate error_description when refused for the token
	}{
		{"valid, expires in an hour", "Bearer " + jwt(hs, future, sig), true, ""},
		{"valid, no exp", "Bearer " + jwt(hs, `{"sub":"dev"}`, sig), true, ""},
		{"valid, exp a fraction after now", "Bearer " + jwt(hs, fmt.Sprintf(`{"exp":%d.5}`, now.Unix()), sig), true, ""},
		{"scheme in lower case", "bearer " + jwt(hs, future, sig), true, ""},
		{"unsecured JWT, alg none", "Bearer " + jwt(`{"alg":"none"}`, future, ""), true, ""},
		{"no Authorization", "", false, ""},
		{"not bearer", "Basic dXNlcjpwYXNz", false, ""},
		{"bearer without token", "Bearer ", false, ""},
		{"expired", "Bearer " + jwt(hs, fmt.Sprintf(`{"exp":%d}`, now.Add(-time.Minute).Unix()), sig), false, "expired at 2026-06-01T11:59:00Z"},
		{"expires exactly now", "Bearer " + jwt(hs, fmt.Sprintf(`{"exp":%d}`, now.Unix()), sig), false, "expired"},
		{"exp a string", "Bearer " + jwt(hs, `{"exp":"2030-01-01"}`, sig), false, "exp claim is not a number"},
		{"exp null", "Bearer " + jwt(hs, `{"exp":null}`, sig), false, "exp claim is not a number"},
		{"opaque token", "Bearer dev-token", false, "3 dot-separated parts, this token has 1"},
		{"two parts", "Bearer " + enc([]byte(hs)) + "." + enc([]byte(future)), false, "this token has 2"},
		{"four parts", "Bearer " + jwt(hs, future, sig) + ".x", false, "this token has 4"},
		{"header padded", "Bearer " + base64.URLEncoding.EncodeToString([]byte(hs+" ")) + "." + enc([]byte(future)) + "." + sig, false, "header is not base64url"},
		{"standard base64 alphabet", "Bearer " + jwt(hs, future, "ab+/cd"), false, "signature is not base64url"},
		{"header not JSON", "Bearer " + jwt(`alg=HS256`, future, sig), false, "header is not a JSON object"},
		{"header a JSON array", "Bearer " + jwt(`["HS256"]`, future, sig), false, "header is not a JSON object"},
		{"header without alg", "Bearer " + jwt(`{"typ":"JWT"}`, future, sig), false, "no alg"},
		{"alg not a string", "Bearer " + jwt(`{"alg":256}`, future, sig), false, "no alg"},
		{"payload a JSON string", "Bearer " + jwt(hs, `"dev"`, sig), false, "payload is not a JSON object"},
		{"payload empty", "Bearer " + jwt(hs, ``, sig), false, "payload is not a JSON object"},
		{"signed alg without signature", "Bearer " + jwt(hs, future, ""), false, "no signature"},
		{"the example of the auth feature", "Bearer eyJhbGciOiJIUzI1NiJ9", false, "3 dot-separated parts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := m.get("/v1/programs/1/members/3/transactions", "Authorization", tc.auth)
			if tc.ok {
				if r.status != 200 {
					t.Fatalf("status %d, want 200\n%s", r.status, r.body)
				}
				return
			}
			expectError(t, r, 401)
			challenge := r.header.Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, `Bearer realm="members-mock"`) {
				t.Errorf("WWW-Authenticate = %q", challenge)
			}
			if tc.cause != "" && (!strings.Contains(challenge, `error="invalid_token"`) || !strings.Contains(challenge, tc.cause)) {
				t.Errorf("WWW-Authenticate = %q, want invalid_token and %q", challenge, tc.cause)
			}
			if _, token, _ := strings.Cut(tc.auth, " "); len(token) > 4 &&
				(bytes.Contains(r.body, []byte(token)) || strings.Contains(challenge, token)) {
				t.Errorf("the refusal repeats the token:\n%s\n%s", challenge, r.body)
			}
		})
	}
	t.Run("mock endpoints need no token", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/__mock/catalog", "/openapi.yaml"} {
			if r := m.get(path); r.status != 200 {
				t.Errorf("%s: %d", path, r.status)
			}
		}
	})
}

// TestJWTExpiryFollowsTheClock moves the injected clock across a token's
// exp: the same token is good before and refused from exp on.
func TestJWTExpiryFollowsTheClock(t *testing.T) {
	exp := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := exp.Add(-time.Second)
	m := newMock(t, 1, func(c *Config) {
		c.Auth = AuthJWT
		c.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	token := "Bearer " + jwt(`{"alg":"RS256"}`, fmt.Sprintf(`{"exp":%d}`, exp.Unix()), "c2ln")
	if r := m.get("/v1/programs/1", "Authorization", token); r.status != 200 {
		t.Fatalf("a second before exp: %d", r.status)
	}
	mu.Lock()
	now = exp
	mu.Unlock()
	expectError(t, m.get("/v1/programs/1", "Authorization", token), 401)
}

// TestJWTDefaultClockIsReal: without Config.Clock, expiry is judged by the
// real time, not the dataset's fixed "now" (2026-06-01 by default).
func TestJWTDefaultClockIsReal(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.Auth = AuthJWT })
	for _, tc := range []struct {
		exp    time.Time
		status int
	}{
		{time.Now().Add(time.Hour), 200},
		{time.Now().Add(-time.Hour), 401},
	} {
		token := "Bearer " + jwt(`{"alg":"HS256"}`, fmt.Sprintf(`{"exp":%d}`, tc.exp.Unix()), "c2ln")
		if r := m.get("/v1/programs/1", "Authorization", token); r.status != tc.status {
			t.Errorf("exp %s: status %d, want %d", tc.exp.Format(time.RFC3339), r.status, tc.status)
		}
	}
}

// syncBuffer is a log destination the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAuthorizationNeverLogged runs the mock with a JSON access log and
// sends tokens, accepted and refused, in every auth mode: no part of any
// token may reach the log.
func TestAuthorizationNeverLogged(t *testing.T) {
	secret := "s3cr3t-" + newCorrelationID()
	good := jwt(`{"alg":"HS256"}`, `{"sub":"`+secret+`","exp":4102444800}`, base64.RawURLEncoding.EncodeToString([]byte(secret)))
	expired := jwt(`{"alg":"HS256"}`, `{"sub":"`+secret+`","exp":1}`, "c2ln")
	parts := strings.Split(good, ".")
	for _, mode := range []string{AuthNone, AuthBearer, AuthJWT} {
		t.Run(mode, func(t *testing.T) {
			var buf syncBuffer
			m := newMock(t, 1, func(c *Config) {
				c.Auth = mode
				c.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
			})
			sent := 0
			for _, auth := range []string{"Bearer " + good, "Bearer " + expired, "Bearer " + secret, secret, "Basic " + secret} {
				for _, path := range []string{"/v1/programs/1/members", "/v1/programs/1/members?perPage=0", "/nowhere"} {
					m.get(path, "Authorization", auth)
					sent++
				}
			}
			// The access log line is written after the response: wait for all of them.
			deadline := time.Now().Add(5 * time.Second)
			for strings.Count(buf.String(), "\n") < sent && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			log := buf.String()
			if n := strings.Count(log, "\n"); n < sent {
				t.Fatalf("%d log lines for %d requests", n, sent)
			}
			for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
				if !json.Valid([]byte(line)) {
					t.Fatalf("log line is not JSON: %s", line)
				}
			}
			for _, leak := range append([]string{secret, "Authorization", "Bearer"}, parts...) {
				if strings.Contains(log, leak) {
					t.Fatalf("the log holds %q:\n%s", leak, log)
				}
			}
		})
	}
}
