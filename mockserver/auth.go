package mockserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Auth modes.
const (
	AuthNone   = "none"
	AuthBearer = "bearer"
	AuthJWT    = "jwt"
)

// wwwAuthenticate is the challenge of every 401 (RFC 6750).
const wwwAuthenticate = `Bearer realm="members-mock"`

// bearerToken returns the token of an "Authorization: Bearer <token>" header.
func bearerToken(c *gin.Context) (string, bool) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// unauthorized answers 401 with the challenge. Neither the message nor the
// challenge ever repeats the token.
func unauthorized(c *gin.Context, challenge, message string) {
	c.Header("WWW-Authenticate", challenge)
	abortWithError(c, http.StatusUnauthorized, message)
}

// requireBearer answers 401 unless the request carries a non-empty bearer
// token. The mock does not check the token itself: it only makes sure a
// frontend sends one, as the real deployment would require.
func requireBearer(c *gin.Context) {
	if _, ok := bearerToken(c); !ok {
		unauthorized(c, wwwAuthenticate,
			"This operation needs an Authorization header of the form 'Bearer <token>'.")
		return
	}
	c.Next()
}

// requireJWT answers 401 unless the bearer token is a structurally valid,
// unexpired JWT. The signature is not checked: the mock holds no keys, and
// what it helps catch is a client sending no token, a token of the wrong
// kind, or one it forgot to refresh.
func requireJWT(clock func() time.Time) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := bearerToken(c)
		if !ok {
			unauthorized(c, wwwAuthenticate,
				"This operation needs an Authorization header of the form 'Bearer <JWT>'.")
			return
		}
		if err := checkJWT(token, clock()); err != nil {
			unauthorized(c, wwwAuthenticate+`, error="invalid_token", error_description="`+err.Error()+`"`,
				"The bearer token was refused: "+err.Error()+".")
			return
		}
		c.Next()
	}
}

// checkJWT checks what can be checked without keys (RFC 7519, RFC 7515
// compact serialization): three base64url parts without padding, a header
// that is a JSON object with a non-empty "alg", a payload that is a JSON
// object, a signature unless alg is "none", and, when the payload has "exp",
// that it is a number of seconds later than now. The error texts go into a
// WWW-Authenticate quoted string, so they never hold a quote or backslash,
// and never any part of the token.
func checkJWT(token string, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("a JWT has 3 dot-separated parts, this token has %d", len(parts))
	}
	var header struct {
		Alg any `json:"alg"`
	}
	if err := decodeJWTPart(parts[0], &header); err != nil {
		return fmt.Errorf("the JWT header %w", err)
	}
	alg, _ := header.Alg.(string)
	if alg == "" {
		return errors.New("the JWT header has no alg")
	}
	var payload map[string]json.RawMessage
	if err := decodeJWTPart(parts[1], &payload); err != nil {
		return fmt.Errorf("the JWT payload %w", err)
	}
	switch {
	case parts[2] == "" && alg != "none":
		return errors.New("the JWT has no signature")
	case parts[2] != "":
		if _, err := base64.RawURLEncoding.Strict().DecodeString(parts[2]); err != nil {
			return errors.New("the JWT signature is not base64url without padding")
		}
	}
	raw, ok := payload["exp"]
	if !ok {
		return nil
	}
	exp, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil || math.IsNaN(exp) || math.IsInf(exp, 0) {
		return errors.New("the JWT exp claim is not a number of seconds")
	}
	// RFC 7519 4.1.4: the token must not be accepted on or after exp.
	if float64(now.Unix())+float64(now.Nanosecond())/1e9 >= exp {
		return errors.New("the JWT expired at " + expString(exp))
	}
	return nil
}

// expString formats an exp claim for a person: an RFC 3339 time when it is
// one, the number otherwise.
func expString(exp float64) string {
	if exp < -62135596800 || exp > 253402300799 { // outside years 1..9999
		return strconv.FormatFloat(exp, 'g', -1, 64)
	}
	return time.Unix(int64(exp), 0).UTC().Format(time.RFC3339)
}

// decodeJWTPart decodes one base64url part into a JSON object.
func decodeJWTPart(part string, v any) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(part)
	if err != nil {
		return errors.New("is not base64url without padding")
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, v) != nil {
		return errors.New("is not a JSON object")
	}
	return nil
}
