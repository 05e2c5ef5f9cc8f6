#!/usr/bin/env bash
# Builds a command the way it ships: the image's binary, and what the benchmarks measure.
#
#   tools/release-build.sh OUT ./cmd/mockserver [more packages, with OUT a directory]
#
# -trimpath and -s -w keep the binary (and so the image) small and free of
# build-host paths; CGO_ENABLED=0 makes it static, as scratch has no libc.
# nomsgpack leaves gin's MessagePack codec out (~6 MB the mock never uses).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
shift
cd "$root"
CGO_ENABLED=0 GOOS=linux "${GO:-go}" build -trimpath -tags nomsgpack -ldflags "-s -w" -o "$out" "$@"
