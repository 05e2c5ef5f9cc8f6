#!/usr/bin/env bash
# build-image.sh: build the mock's (or the conformance suite's) image.
#
# No base image can be pulled here, so the images are FROM scratch and the
# static binary is built on the host, then copied from a throwaway build
# context that holds only what the Dockerfile needs.
#
#   docker/build-image.sh                      # members-mock:dev        (IMAGE=... to change)
#   docker/build-image.sh conformance          # members-conformance:dev (CONFORMANCE_IMAGE=...)
#   docker/build-image.sh --context DIR [conformance]
#                                              # only write the build context to DIR (no Docker
#                                              # needed); the Go container tests build from it
#
# Environment: GO (go command, default go), GOARCH (default: the host's;
# GOOS is always linux), DOCKER (default docker).
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
DOCKER=${DOCKER:-docker}

ctxdir=""
if [ "${1:-}" = "--context" ]; then
  [ $# -ge 2 ] || usage
  ctxdir=$2
  shift 2
fi
target=${1:-mockserver}
case $target in
  mockserver)  dockerfile=Dockerfile;             image=${IMAGE:-members-mock:dev} ;;
  conformance) dockerfile=Dockerfile.conformance; image=${CONFORMANCE_IMAGE:-members-conformance:dev} ;;
  -h|--help)   usage 0 ;;
  *)           echo "build-image.sh: unknown target $target (mockserver or conformance)" >&2; usage ;;
esac

keep_ctx=1
if [ -z "$ctxdir" ]; then
  ctxdir=$(mktemp -d "${TMPDIR:-/tmp}/members-image.XXXXXX")
  keep_ctx=0
  trap 'rm -rf "$ctxdir"' EXIT
fi
mkdir -p "$ctxdir"

# How a shipped binary is built (static, stripped, nomsgpack) is tools/release-build.sh's.
gobuild() { GO="$GO" "$root/tools/release-build.sh" "$1" "$2"; }

gobuild "$ctxdir/$target" "./cmd/$target"
cp "$root/docker/$dockerfile" "$ctxdir/Dockerfile"

if [ "$target" = conformance ]; then
  mkdir -p "$ctxdir/tmp" "$ctxdir/reports"
  # Go looks for this file on Linux; https targets need it.
  ca=""
  for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
    if [ -f "$f" ]; then ca=$f; break; fi
  done
  if [ -n "$ca" ]; then
    cp "$ca" "$ctxdir/ca-certificates.crt"
  else
    echo "build-image.sh: no CA bundle found on this host; the image will not trust https targets" >&2
    : >"$ctxdir/ca-certificates.crt"
  fi
fi

if [ "$keep_ctx" = 1 ]; then
  echo "build-image.sh: build context for $target written to $ctxdir"
  exit 0
fi

"$DOCKER" build -t "$image" "$ctxdir"
# What a registry stores and a pull transfers: the gzipped layers.
gz=$("$DOCKER" save "$image" | gzip -6 | wc -c)
echo "build-image.sh: built $image ($((gz / 1024 / 1024)) MiB gzipped, as a registry stores it)"
