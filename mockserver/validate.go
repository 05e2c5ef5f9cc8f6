package mockserver

import (
	"encoding/binary"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// singleValued lists the query parameters a client may give at most once:
// with two values the request is ambiguous, so it is refused.
var singleValued = [...]string{
	"page", "perPage", "customerId", "orderId", "pointDefinitionReference",
	"pointEventType", "createdAfter", "createdBefore",
}

// canonicalClientName is headerClientName as net/http keys it in Header.
var canonicalClientName = http.CanonicalHeaderKey(headerClientName)

// Bounds of the validation cache: outcomes are a few dozen bytes, so this is at most a few
// megabytes, and holds every distinct request a frontend or a load test sends.
const (
	validationCacheEntries = 8192
	validationCacheBytes   = 4 << 20
	maxValidationKey       = 1024 // longer requests are validated every time
)

// validateRequest checks the request against the spec and answers 400 with
// one errors[] entry per offending parameter.
//
// Validation is a pure function of the method, the path, the raw query and
// the ET-Client-Name header (the only other header the spec declares,
// X-Correlation-Id, is a string without constraints; operations have no body
// and no cookies), so outcomes are cached under exactly those inputs. A valid
// outcome is also cached under the request's shape — the path with every id
// segment (a canonical decimal from 1 to 2^63-1) replaced by a marker —
// because every path parameter of the spec is an int64 of at least 1 and
// nothing else (TestPathParametersArePlainIds checks the document): whichever
// ids such a request names, it is valid exactly when the shape is. So a
// member never asked for before costs no validation, and an invalid request
// is answered with the messages computed for exactly that request.
//
// With clientNameOptional (rate-limit mode) a missing ET-Client-Name is not an
// error: the spec declares it required because it describes the API without
// that mode.
func validateRequest(v *spec.Validator, clientNameOptional bool) gin.HandlerFunc {
	cache := newBoundedCache[[]spec.FieldError](validationCacheEntries, validationCacheBytes)
	return func(c *gin.Context) {
		r := c.Request
		method := r.Method
		if method == http.MethodHead {
			// HEAD is answered like GET; the spec documents GET only.
			method = http.MethodGet
		}
		var shapeBuf, exactBuf [256]byte
		shape, exact, cacheable := validationKeys(shapeBuf[:0], exactBuf[:0], method, r)
		if cacheable {
			// A path without ids has its shape for exact key, so a hit on the shape may be
			// an invalid outcome stored under the exact key: use what is stored.
			if fields, ok := cache.get(shape); ok {
				respondValidation(c, fields)
				return
			}
			if fields, ok := cache.get(exact); ok {
				respondValidation(c, fields)
				return
			}
		}
		fields := validate(v, r, method)
		if clientNameOptional {
			fields = slices.DeleteFunc(fields, func(f spec.FieldError) bool { return f.Field == headerClientName })
		}
		if cacheable {
			if len(fields) == 0 {
				cache.put(shape, nil, 0)
			} else {
				size := 0
				for _, f := range fields {
					size += len(f.Field) + len(f.Message) + 32
				}
				cache.put(exact, fields, size)
			}
		}
		respondValidation(c, fields)
	}
}

// validate is the uncached check: refused repetitions of single-valued
// parameters first, then the spec validator.
func validate(v *spec.Validator, r *http.Request, method string) []spec.FieldError {
	if r.Method != method {
		clone := r.Clone(r.Context())
		clone.Method = method
		r = clone
	}
	var fields []spec.FieldError
	query := r.URL.Query()
	for _, name := range singleValued {
		if len(query[name]) > 1 {
			fields = append(fields, spec.FieldError{Field: name, Message: name + " must be given at most once."})
		}
	}
	if len(fields) == 0 {
		fields, _ = v.ValidateRequest(r)
	}
	return fields
}

// respondValidation answers 400 for invalid parameters or passes the request on.
func respondValidation(c *gin.Context, fields []spec.FieldError) {
	if len(fields) == 0 {
		c.Next()
		return
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Field
	}
	abortWithError(c, http.StatusBadRequest,
		"The request has invalid parameters: "+strings.Join(names, ", ")+".", fields...)
}

// validationKeys appends to shape and exact the cache keys of the request:
// method, ET-Client-Name, path and raw query, each length-prefixed so that no
// two requests share a key; in shape, id segments of the path are replaced by
// a marker. cacheable is false when the request is too long to be worth a key,
// its path has an encoding of its own (RawPath), which the cache would have to
// key on too, or its path holds a NUL byte (%00), the marker of an id.
func validationKeys(shape, exact []byte, method string, r *http.Request) (_, _ []byte, cacheable bool) {
	u := r.URL
	// What Header.Get returns, without canonicalising the name on every request.
	var client string
	if vs := r.Header[canonicalClientName]; len(vs) > 0 {
		client = vs[0]
	}
	if u.RawPath != "" || strings.IndexByte(u.Path, 0) >= 0 ||
		len(method)+len(client)+len(u.Path)+len(u.RawQuery)+32 > maxValidationKey {
		return shape, exact, false
	}
	exact = appendField(exact, method)
	exact = appendField(exact, client)
	exact = appendField(exact, u.Path)
	exact = appendField(exact, u.RawQuery)

	shape = appendField(shape, method)
	shape = appendField(shape, client)
	var path [maxValidationKey]byte
	p := path[:0]
	for rest := u.Path; rest != ""; {
		seg, tail, more := strings.Cut(rest, "/")
		if isID(seg) {
			p = append(p, 0)
		} else {
			p = append(p, seg...)
		}
		if more {
			p = append(p, '/')
		}
		rest = tail
	}
	shape = binary.AppendUvarint(shape, uint64(len(p)))
	shape = append(shape, p...)
	shape = appendField(shape, u.RawQuery)
	return shape, exact, true
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// isID reports whether s is how a path parameter of the spec is written when
// valid: a decimal integer from 1 to 9223372036854775807 without sign or
// leading zeros.
func isID(s string) bool {
	const maxInt64 = "9223372036854775807"
	if len(s) == 0 || len(s) > len(maxInt64) || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) < len(maxInt64) || s <= maxInt64
}
