// Package budget keeps a client's requests to a shared deployment within a
// budget, and sends a request again when the fault was transient.
//
// A Transport wraps an http.RoundTripper. Every request it sends, retries
// included, takes a token from one rate limiter (Options.Rate, requests per
// second over all the requests of the run, however many goroutines send
// them) and one unit of a fixed allowance (Options.MaxRequests); a request
// the allowance cannot pay for is not sent and fails with ErrExhausted.
//
// A request answered 429, 502, 503 or 504, or not answered at all
// (connection error, timeout), is sent again up to Options.Retries times,
// after an exponential backoff with jitter or the answer's Retry-After,
// whichever is longer. Nothing else is sent again: a 4xx other than 429 is
// an answer, and a client that retried it would hide a contract failure.
// Only idempotent methods whose body can be sent again are retried, so a
// request that may have changed something is never repeated. A 429 or 503
// with Retry-After also pauses every other request of the run until then,
// since a deployment that throttles a client throttles all of its requests.
//
// Callers learn about the retries of their own requests through the
// request's context (WithObserver), e.g. to report a test that passed only
// after a retry as flaky.
package budget
