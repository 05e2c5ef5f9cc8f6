#!/usr/bin/env bash
# make docs-check: both OpenAPI documents lint with Spectral's spectral:oas ruleset without
# errors, generate TypeScript types with openapi-typescript without Record<string, never> in
# their schemas, and those types compile with tsc (usage.ts reads them without casts).
# The tools are pinned in package-lock.json and installed here with npm ci.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/spectral ] || [ package-lock.json -nt node_modules/.installed ]; then
	echo "docs-check: installing the pinned tools (npm ci in tools/docs)"
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch node_modules/.installed
fi
bin=node_modules/.bin
"$bin/spectral" lint --quiet --fail-severity error --ruleset .spectral.yaml ../../spec/openapi.yaml ../../spec/control.yaml
mkdir -p gen
"$bin/openapi-typescript" ../../spec/openapi.yaml -o gen/members.ts --silent
"$bin/openapi-typescript" ../../spec/control.yaml -o gen/control.ts --silent
# webhooks and $defs are top-level maps openapi-typescript always writes; an empty one is fine.
if grep -n 'Record<string, never>' gen/members.ts gen/control.ts | grep -v -E 'export type (webhooks|\$defs) = '; then
	echo "docs-check: a schema generates Record<string, never>: type its known keys (additionalProperties: true with properties)" >&2
	exit 1
fi
"$bin/tsc" -p tsconfig.json
echo "docs-check: both documents lint clean, generate usable types and compile"
