# metrics.sh - reading a daemon's /metrics and /healthz in a test (sourced).
#
# scrape PORT: fetches /metrics into $BG_TMP/metrics.txt (and prints nothing).
# metric 'NAME{LABELS}': prints the value of that exact series in the last
# scrape, 0 when it is absent. health PORT: prints /healthz's HTTP status.
# wait_health PORT STATUS: waits (10 s at most) until /healthz answers STATUS.
# promtool_ok: `promtool check metrics` on the last scrape (its complaints shown).

: "${CURL:=curl}"
PROMTOOL=${PROMTOOL:-promtool}

scrape() {
	"$CURL" -s --max-time 10 -o "$BG_TMP/metrics.txt" "http://127.0.0.1:$1/metrics"
}

metric() {
	awk -v s="$1" 'index($0, s " ") == 1 { v = $2 } END { print (v == "" ? 0 : v) }' "$BG_TMP/metrics.txt"
}

health() {
	"$CURL" -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz"
}

wait_health() {
	for _i in $(seq 1 100); do
		[ "$(health "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

promtool_ok() {
	"$PROMTOOL" check metrics <"$BG_TMP/metrics.txt" >"$BG_TMP/promtool.out" 2>&1
	_st=$?
	[ "$_st" -eq 0 ] || sed 's/^/# promtool: /' "$BG_TMP/promtool.out"
	return $_st
}

# prometheus_scrape_once TARGET-PORT SERIES: runs a real prometheus (temporary dir, its own
# configuration, a loopback port) scraping 127.0.0.1:TARGET-PORT every second; waits (30 s at
# most) until its HTTP API says the target is up and has a SERIES sample; prints "up N" (N the
# series found) or what it saw last.
prometheus_scrape_once() {
	_pp=$(free_port)
	mkdir -p "$BG_TMP/prom"
	cat >"$BG_TMP/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: bulkguard
    static_configs:
      - targets: ["127.0.0.1:$1"]
YML
	"${PROMETHEUS:-prometheus}" --config.file="$BG_TMP/prom/prometheus.yml" \
		--storage.tsdb.path="$BG_TMP/prom/data" --web.listen-address="127.0.0.1:$_pp" \
		>"$BG_TMP/prom/log" 2>&1 &
	_prom=$!
	_seen="prometheus did not answer"
	for _i in $(seq 1 60); do
		sleep 0.5
		_seen=$(/usr/bin/python3 - "$_pp" "$2" <<'PY' 2>/dev/null
import json, sys, urllib.request, urllib.parse
base = "http://127.0.0.1:%s/api/v1/" % sys.argv[1]
t = json.load(urllib.request.urlopen(base + "targets", timeout=2))
health = [a["health"] for a in t["data"]["activeTargets"]]
q = json.load(urllib.request.urlopen(base + "query?query=" + urllib.parse.quote(sys.argv[2]), timeout=2))
n = len(q["data"]["result"])
print(("up %d" % n) if health == ["up"] and n > 0 else "targets=%s series=%d" % (health, n))
PY
		) || _seen="prometheus did not answer"
		case "$_seen" in up*) break ;; esac
	done
	kill "$_prom" 2>/dev/null
	wait "$_prom" 2>/dev/null
	echo "$_seen"
}
