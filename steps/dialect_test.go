package steps_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// TestDialectCombinationsAgainstMock starts the mock in each of the 16
// combinations of the four paging and header settings and runs the whole
// suite, the mock's own scenarios included, with the same dialect: the mock
// must speak every dialect the suite checks. emptyFilter alternates with
// the parity of the others, so that each of its values meets every other
// setting's values too.
func TestDialectCombinationsAgainstMock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite 16 times; not in -short")
	}
	for bits := range 16 {
		on := func(i int) bool { return bits&(1<<i) != 0 }
		pick := func(i int, no, yes string) string {
			if on(i) {
				return yes
			}
			return no
		}
		parity := (bits ^ bits>>1 ^ bits>>2 ^ bits>>3) & 1
		file := fmt.Sprintf("firstPage: %s\nperPageAboveMax: %s\npastLastPage: %s\nclientName: %s\nemptyFilter: %s\n",
			pick(0, "0", "1"), pick(1, "reject", "clamp"), pick(2, "empty", "notFound"), pick(3, "required", "optional"),
			[]string{"reject", "ignore"}[parity])
		d, err := spec.ParseDialect("dialect.yaml", []byte(file))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.ReplaceAll(d.String(), " ", ""), func(t *testing.T) {
			v, err := spec.NewValidator(spec.WithDialect(d))
			if err != nil {
				t.Fatalf("building the validator: %v", err)
			}
			srv := startMockWith(t, mockserver.Config{Validator: v})
			res, err := steps.Run(context.Background(), steps.Config{
				BaseURL: srv.URL, Validator: v, Dialect: &d,
				Tags: steps.MockTags, UnsafeMethods: true,
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, f := range res.Failures {
				t.Errorf("scenario %q (%s) failed at %q:\n%s", f.Scenario, f.Location, f.Step, f.Message)
			}
			if res.Passed < 300 || len(res.Skips) > 0 {
				t.Errorf("%d passed, %d skipped; want the whole suite to run", res.Passed, len(res.Skips))
			}
		})
	}
}
