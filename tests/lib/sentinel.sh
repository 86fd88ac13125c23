# sentinel.sh - a private Redis master, its replica and three sentinels for one test (sourced after common.sh).
#
# sentinel_start starts, on free loopback ports, a master and two replicas
# (redis-server, no persistence) and three sentinels (`redis-server
# --sentinel`, as Debian's redis-sentinel is) that monitor the master as
# "bulkguard" with quorum 2, down-after-milliseconds 1000 and
# failover-timeout 3000; it waits until the replicas are in sync and every
# sentinel knows them and the other sentinels. Two replicas, so that after
# a failover one is left to confirm writes (WAIT 1) with no operator's help.
# Sets and exports SENT_MASTER, SENT_REPLICA, SENT_REPLICA2 (ports),
# SENTINEL_PORTS and SENTINELS ("host:port" list as a bulkguard.conf value:
# "127.0.0.1:p1", "127.0.0.1:p2", ...). Everything is killed when the test
# ends. The other helpers take a node's port.

. "$BG_SRC/tests/lib/nodes.sh"

# scli PORT ARGS...: redis-cli against one node or sentinel.
scli() {
	ncli "$@"
}

# sentinel_node PORT CONF [ARGS...]: starts one redis-server (with its config file CONF
# unless ""; ARGS added) and waits until it answers PING.
sentinel_node() {
	_sp=$1; shift
	node_start "$BG_TMP/sent/$_sp" "$_sp" "$@" || return 1
	SENT_PIDS="${SENT_PIDS:-} $BG_TMP/sent/$_sp/redis.pid"
}

# sentinel_kill PORT: kills one node with SIGKILL and waits until it is gone.
sentinel_kill() {
	node_kill "$BG_TMP/sent/$1"
}

# sentinel_signal SIG PORT: sends SIG to one node (STOP, CONT).
sentinel_signal() {
	kill -"$1" "$(cat "$BG_TMP/sent/$2/redis.pid")"
}

# sentinel_stop_all: kills every node and sentinel the test started.
sentinel_stop_all() {
	for _f in ${SENT_PIDS:-}; do
		[ -f "$_f" ] && kill -9 "$(cat "$_f")" 2>/dev/null
	done
	return 0
}

# sentinel_master_of SENTINEL-PORT: the "host:port" that sentinel names as master now.
sentinel_master_of() {
	scli "$1" SENTINEL get-master-addr-by-name bulkguard 2>/dev/null | paste -sd: -
}

# sentinel_in_sync PORT: true when the replica at PORT has a live link and the master's offset.
sentinel_in_sync() {
	_info=$(scli "$1" INFO replication 2>/dev/null | tr -d '\r')
	echo "$_info" | grep -q '^master_link_status:up' || return 1
	_m=$(scli "$(echo "$_info" | sed -n 's/^master_port://p')" INFO replication | tr -d '\r' |
		sed -n 's/^master_repl_offset://p')
	[ "$(echo "$_info" | sed -n 's/^slave_repl_offset://p')" = "$_m" ]
}

# sentinel_follows PORT MASTER-PORT: true when the node at PORT replicates MASTER-PORT over a live link.
sentinel_follows() {
	_info=$(scli "$1" INFO replication 2>/dev/null | tr -d '\r')
	echo "$_info" | grep -q "^master_port:$2\$" && echo "$_info" | grep -q '^master_link_status:up'
}

# sentinel_start: the master, the replica, three sentinels; waits until all know each other.
sentinel_start() {
	set -- $(sentinel_free_ports 6)
	SENT_MASTER=$1 SENT_REPLICA=$2 SENT_REPLICA2=$3
	sentinel_node "$SENT_MASTER" "" || return 1
	sentinel_node "$SENT_REPLICA" "" --replicaof 127.0.0.1 "$SENT_MASTER" || return 1
	sentinel_node "$SENT_REPLICA2" "" --replicaof 127.0.0.1 "$SENT_MASTER" || return 1
	SENTINELS=""
	SENTINEL_PORTS="$4 $5 $6"
	for _s in $SENTINEL_PORTS; do
		mkdir -p "$BG_TMP/sent/$_s"
		cat >"$BG_TMP/sent/$_s/sentinel.conf" <<CONF
sentinel monitor bulkguard 127.0.0.1 $SENT_MASTER 2
sentinel down-after-milliseconds bulkguard 1000
sentinel failover-timeout bulkguard 3000
sentinel parallel-syncs bulkguard 1
CONF
		sentinel_node "$_s" "$BG_TMP/sent/$_s/sentinel.conf" --sentinel || return 1
		SENTINELS="$SENTINELS${SENTINELS:+, }\"127.0.0.1:$_s\""
	done
	export SENT_MASTER SENT_REPLICA SENT_REPLICA2 SENTINELS SENTINEL_PORTS
	at_exit sentinel_stop_all
	for _i in $(seq 1 200); do
		_ok=1
		sentinel_in_sync "$SENT_REPLICA" || _ok=0
		sentinel_in_sync "$SENT_REPLICA2" || _ok=0
		for _s in $SENTINEL_PORTS; do
			_st=$(scli "$_s" SENTINEL master bulkguard 2>/dev/null | tr -d '\r' | paste -sd' ' -)
			echo "$_st" | grep -q 'num-slaves 2 ' || _ok=0
			echo "$_st" | grep -q 'num-other-sentinels 2 ' || _ok=0
		done
		[ $_ok -eq 1 ] && return 0
		sleep 0.1
	done
	echo "the sentinels did not find each other and the replica" >&2
	return 1
}

# sentinel_free_ports N: N distinct free loopback ports.
sentinel_free_ports() {
	/usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
