#!/usr/bin/env bash
# Soak test of the mock (issue 6): wrk holds CONNECTIONS connections open for
# DURATION against a freshly built mock on 127.0.0.1, rotating over valid
# requests to all nine operations of every program. It passes when every
# answer is 2xx (so no 5xx), wrk saw no socket error, the mock is still
# healthy and quiet on stderr afterwards, and its RSS did not keep growing.
#
#   make soak                      # 64 connections, 60s
#   make soak DURATION=10m CONNECTIONS=128
#
# Needs wrk (apt-get install -y wrk) and curl.
set -euo pipefail

DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-5s}
GO=${GO:-go}

cd "$(dirname "$0")/.."
for tool in wrk curl; do
	command -v "$tool" >/dev/null || { echo "soak: $tool is not installed (apt-get install -y $tool)" >&2; exit 2; }
done

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "soak: building the mock"
CGO_ENABLED=0 $GO build -trimpath -o "$tmp/mockserver" ./cmd/mockserver
"$tmp/mockserver" --addr 127.0.0.1:0 --log off >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!

url=
for _ in $(seq 1 300); do
	url=$(grep -o 'listening on http://[0-9.:]*' "$tmp/stdout" 2>/dev/null | sed 's/listening on //' || true)
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || { echo "soak: the mock exited at start:" >&2; cat "$tmp/stderr" >&2; exit 1; }
	sleep 0.1
done
[ -n "$url" ] || { echo "soak: the mock did not start listening" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

# The requests: every operation of every program, for the personas, with
# paging and filters. Ids come from the catalog, so any seed works.
catalog=$(curl -fsS "$url/__mock/catalog")
programs=$(echo "$catalog" | grep -o '"id":[0-9]*,"name"' | grep -o '[0-9]*')
persona() { echo "$catalog" | grep -o "\"$1\":[0-9]*" | grep -o '[0-9]*$'; }
regulars=($(persona regular)) frequents=($(persona frequent)) suspendeds=($(persona suspended)) lapseds=($(persona lapsed)) newcomers=($(persona newcomer))
paths=()
i=0
for p in $programs; do
	base="/v1/programs/$p"
	reg=${regulars[$i]} freq=${frequents[$i]} susp=${suspendeds[$i]} lapsed=${lapseds[$i]} new=${newcomers[$i]}
	period=$(curl -fsS -H 'ET-Client-Name: membersmock-soak' "$url$base/members/$reg/point-periods?perPage=1" | grep -o '"id":[0-9]*' | head -1 | grep -o '[0-9]*')
	paths+=(
		"$base"
		"$base/members"
		"$base/members?page=3&perPage=50"
		"$base/members/$reg"
		"$base/members/$new"
		"$base/members/$reg/transactions"
		"$base/members/$freq/transactions?perPage=100"
		"$base/members/$freq/transactions?pointDefinitionReference=none-such"
		"$base/members/$reg/point-periods"
		"$base/members/$reg/point-periods/$period"
		"$base/members/$freq/reward-ladder"
		"$base/members/$lapsed/points-history?perPage=50"
		"$base/members/$lapsed/points-history?pointEventType=EXPIRED&createdAfter=2025-01-01T00:00:00Z"
		"$base/members/$susp/suspension-periods"
	)
	i=$((i + 1))
done

{
	echo 'local paths = {'
	for p in "${paths[@]}"; do echo "  \"$p\","; done
	echo '}'
	cat <<'LUA'
local threads = {}
local n = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  ok, client, server, other = 0, 0, 0, 0
  n = id * 7
end
function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n], { ["ET-Client-Name"] = "membersmock-soak" })
end
function response(status, headers, body)
  if status >= 500 then server = server + 1
  elseif status >= 400 then client = client + 1
  elseif status >= 200 and status < 300 then ok = ok + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = { ok = 0, client = 0, server = 0, other = 0 }
  for _, th in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  io.write(string.format("statuses: 2xx %d, 4xx %d, 5xx %d, other %d\n", t.ok, t.client, t.server, t.other))
  io.write(string.format("latency: p50 %.2fms, p99 %.2fms, max %.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
} >"$tmp/soak.lua"

rss_start=$(rss_kb)
echo "soak: mock at $url, ${#paths[@]} distinct requests, RSS at start $((rss_start / 1024)) MB"
echo "soak: warming up for $WARMUP"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" -s "$tmp/soak.lua" "$url" >"$tmp/warmup.txt"
rss_warm=$(rss_kb)
echo "soak: RSS after warm-up $((rss_warm / 1024)) MB; wrk -t $THREADS -c $CONNECTIONS -d $DURATION"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 5s -s "$tmp/soak.lua" "$url" | tee "$tmp/wrk.txt"
rss_end=$(rss_kb)

fail=0
if grep -q 'Non-2xx or 3xx responses' "$tmp/wrk.txt"; then
	echo "soak: FAIL: some answers were not 2xx" >&2
	fail=1
fi
if ! grep -q 'statuses: 2xx [1-9][0-9]*, 4xx 0, 5xx 0, other 0' "$tmp/wrk.txt"; then
	echo "soak: FAIL: not every answer was 2xx" >&2
	fail=1
fi
if grep -q 'Socket errors' "$tmp/wrk.txt"; then
	echo "soak: FAIL: wrk saw socket errors" >&2
	fail=1
fi
if ! curl -fsS -o /dev/null "$url/healthz"; then
	echo "soak: FAIL: the mock is not healthy after the soak" >&2
	fail=1
fi
if [ -s "$tmp/stderr" ]; then
	echo "soak: FAIL: the mock wrote to stderr:" >&2
	head -20 "$tmp/stderr" >&2
	fail=1
fi
# RSS is stable when the soak added at most half of what warm-up left, plus
# 32 MB for the garbage collector's own rhythm.
limit=$((rss_warm * 3 / 2 + 32 * 1024))
echo "soak: RSS start $((rss_start / 1024)) MB, after warm-up $((rss_warm / 1024)) MB, end $((rss_end / 1024)) MB (limit $((limit / 1024)) MB)"
if [ "$rss_end" -gt "$limit" ]; then
	echo "soak: FAIL: RSS grew from $((rss_warm / 1024)) MB to $((rss_end / 1024)) MB" >&2
	fail=1
fi
if [ "$fail" -ne 0 ]; then
	exit 1
fi
echo "soak: PASS: zero non-2xx, zero socket errors, RSS stable"
