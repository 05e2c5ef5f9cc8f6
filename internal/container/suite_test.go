package container

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// TestSuiteAgainstImage is issue 4's end-to-end check: the project's own
// image, built from docker/ through testcontainers, passes the whole
// conformance suite over its mapped port — and, started with MOCK_AUTH=bearer,
// the @auth scenarios too.
func TestSuiteAgainstImage(t *testing.T) {
	requireDocker(t)
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("default suite, image built from docker/", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		err := Run(ctx, Options{BuildContext: buildContext(t)}, func(ctx context.Context, tgt *Target) error {
			runSuite(ctx, t, tgt, steps.Config{BaseURL: tgt.BaseURL, Validator: v})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("@auth, MOCK_AUTH=bearer", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		opts := Options{Image: shared.get(t), Env: map[string]string{"MOCK_AUTH": "bearer"}}
		err := Run(ctx, opts, func(ctx context.Context, tgt *Target) error {
			runSuite(ctx, t, tgt, steps.Config{BaseURL: tgt.BaseURL, Validator: v, Tags: "@auth", Token: "test-token"})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// runSuite runs the suite against tgt and fails t with every failed
// scenario and the tail of the container's log.
func runSuite(ctx context.Context, t *testing.T, tgt *Target, cfg steps.Config) {
	t.Helper()
	res, err := steps.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("running the suite against %s: %v%s", tgt.BaseURL, err, tgt.logTail(ctx, 50))
	}
	var summary bytes.Buffer
	if err := res.WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	t.Logf("suite against the container at %s:\n%s", tgt.BaseURL, summary.String())
	if res.Passed == 0 {
		t.Errorf("no scenario passed (tags %q)", res.Tags)
	}
	for _, s := range res.Skips {
		t.Errorf("scenario %q (%s) skipped: %s", s.Scenario, s.Location, s.Reason)
	}
	for _, f := range res.Failures {
		t.Errorf("scenario %q (%s) failed at %q:\n%s", f.Scenario, f.Location, f.Step, f.Message)
	}
	if !res.OK() {
		t.Errorf("suite failed: %d passed, %d failed, %d undefined\n%s",
			res.Passed, res.Failed, res.Undefined, strings.TrimSpace(tgt.logTail(ctx, 50)))
	}
}
