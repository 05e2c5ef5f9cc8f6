package container

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// EnvFlag collects repeated KEY=VALUE command-line values (conformance
// --env) into the map Options.Env takes. It implements flag.Value:
//
//	env := container.EnvFlag{}
//	fs.Var(env, "env", "KEY=VALUE for the container; repeat for more")
type EnvFlag map[string]string

// String lists the variables as KEY=VALUE, sorted, comma-separated.
func (e EnvFlag) String() string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(e)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + e[k])
	}
	return b.String()
}

// Set adds one KEY=VALUE; the value may be empty and may contain '='.
func (e EnvFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return fmt.Errorf("want KEY=VALUE, not %q", v)
	}
	e[k] = val
	return nil
}
