# cluster.sh - a private Redis Cluster for one test (sourced after common.sh).
#
# cluster_start [MASTERS] starts 2 x MASTERS (default 3) redis-server nodes
# on free loopback ports (each port and its bus port, port + 10000, free),
# cluster-enabled, no persistence, cluster-node-timeout 1000 ms, files in
# $BG_TMP/cluster/<port>/; joins them with `redis-cli --cluster create
# --cluster-replicas 1 --cluster-yes` and waits for cluster_state:ok on
# every node and until each master's replica is in sync. Sets and exports CLUSTER_PORTS ("p1 p2 ...") and
# CLUSTER_SEEDS ("127.0.0.1:p1,127.0.0.1:p2,..."); every node is killed when
# the test ends. The other helpers take a node's port. CLUSTER_NODE_ARGS (unquoted words) are
# added to every node's redis-server arguments (an --aclfile, say).

. "$BG_SRC/tests/lib/nodes.sh"

# cluster_ports N: prints N ports p, each with p and p + 10000 free on 127.0.0.1.
cluster_ports() {
	/usr/bin/python3 - "$1" <<'EOF'
import random, socket, sys
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
got = []
while len(got) < int(sys.argv[1]):
    p = random.randint(20000, 45000)
    if p not in got and free(p) and free(p + 10000):
        got.append(p)
print(" ".join(map(str, got)))
EOF
}

# ccli PORT ARGS...: redis-cli against one node (no redirects followed).
ccli() {
	ncli "$@"
}

# cluster_node_start PORT: starts one cluster-enabled node (CLUSTER_NODE_ARGS added) and waits until it answers.
cluster_node_start() {
	# shellcheck disable=SC2086
	node_start "$BG_TMP/cluster/$1" "$1" "" --cluster-enabled yes \
		--cluster-config-file "$BG_TMP/cluster/$1/nodes.conf" --cluster-node-timeout 1000 ${CLUSTER_NODE_ARGS:-}
}

# cluster_kill PORT: kills one node with SIGKILL and waits until it is gone.
cluster_kill() {
	node_kill "$BG_TMP/cluster/$1"
}

# cluster_stop: kills every node.
cluster_stop() {
	for _p in ${CLUSTER_PORTS:-}; do cluster_kill "$_p"; done
}

# cluster_wait_ok [SECONDS]: waits until every live node says cluster_state:ok; 0 or 1.
cluster_wait_ok() {
	_n=$(( ${1:-20} * 10 ))
	for _i in $(seq 1 "$_n"); do
		_bad=0
		for _p in $CLUSTER_PORTS; do
			[ -f "$BG_TMP/cluster/$_p/redis.pid" ] || continue
			ccli "$_p" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' || _bad=1
		done
		[ "$_bad" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# cluster_masters: prints the ports of the live nodes that are masters.
cluster_masters() {
	for _p in $CLUSTER_PORTS; do
		[ -f "$BG_TMP/cluster/$_p/redis.pid" ] || continue
		ccli "$_p" ROLE 2>/dev/null | head -n 1 | grep -qx master && echo "$_p"
	done
}

# cluster_owner SLOT: prints the port of the master serving SLOT, as the first live master sees it.
cluster_owner() {
	ccli "$(cluster_masters | head -n 1)" CLUSTER NODES | awk -v s="$1" '$3 ~ /master/ && $3 !~ /fail/ {
		for (i = 9; i <= NF; i++) {
			if ($i ~ /^\[/) continue
			n = split($i, r, "-"); lo = r[1]; hi = n == 2 ? r[2] : r[1]
			if (s + 0 >= lo + 0 && s + 0 <= hi + 0) { split($2, a, "[:@]"); print a[2]; exit }
		}
	}'
}

# cluster_wait_replicas [SECONDS]: waits until each master's replicas have every write it has.
cluster_wait_replicas() {
	_n=$(( ${1:-10} * 10 ))
	for _i in $(seq 1 "$_n"); do
		_bad=0
		for _p in $(cluster_masters); do
			ccli "$_p" INFO replication | tr -d '\r' | awk -F'[=,:]' '
				/^master_repl_offset:/ { off = $2 }
				/^slave[0-9]+:/ { for (i = 1; i < NF; i++) if ($i == "offset") o[n++] = $(i + 1) }
				END { if (n == 0) exit 1; for (i = 0; i < n; i++) if (o[i] != off) exit 1 }' || _bad=1
		done
		[ "$_bad" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# cluster_wait_agree [SECONDS]: waits until `redis-cli --cluster check` finds every node agreeing
# and no slot open (what `--cluster reshard` demands before it starts); 0 or 1.
cluster_wait_agree() {
	_n=$(( ${1:-10} * 10 ))
	_p=$(cluster_masters | head -n 1)
	for _i in $(seq 1 "$_n"); do
		"$REDIS_CLI" --cluster check "127.0.0.1:$_p" >"$BG_TMP/cluster/check.log" 2>&1 &&
			grep -q 'All nodes agree' "$BG_TMP/cluster/check.log" &&
			! grep -q -e WARNING -e ERR "$BG_TMP/cluster/check.log" && return 0
		sleep 0.1
	done
	return 1
}

# cluster_start [MASTERS]: starts and joins the cluster; 0 or 1.
cluster_start() {
	_m=${1:-3}
	CLUSTER_PORTS=$(cluster_ports $((_m * 2)))
	CLUSTER_SEEDS=$(for _p in $CLUSTER_PORTS; do printf '127.0.0.1:%s,' "$_p"; done | sed 's/,$//')
	export CLUSTER_PORTS CLUSTER_SEEDS BG_TMP
	at_exit cluster_stop
	for _p in $CLUSTER_PORTS; do cluster_node_start "$_p" || return 1; done
	# shellcheck disable=SC2046
	"$REDIS_CLI" --cluster create $(echo "$CLUSTER_SEEDS" | tr ',' ' ') --cluster-replicas 1 --cluster-yes \
		>"$BG_TMP/cluster/create.log" 2>&1 || { sed 's/^/# /' "$BG_TMP/cluster/create.log"; return 1; }
	cluster_wait_ok 30 && cluster_wait_replicas 20
}
