# shellcheck shell=bash
# The local topology, without Docker: redis-server, N receivers, HAProxy with deploy/haproxy.cfg,
# M deliverers. Sourced (after scripts/lib.sh) by scripts/run, scripts/test-deploy and anything
# else that needs the same processes (a chaos suite), so there is one way to start and stop them.
#
# Everything listens on 127.0.0.1. All state of one run lives in TOPO_DIR:
#   TOPO_DIR/logs/redis.log, receiver-N.log, haproxy.log, deliverer-N.log (stderr of each process)
#   TOPO_DIR/logs/deliverer-N.out    stdout of deliverer N (one JSON line per entry with downstream `-`)
#   TOPO_DIR/haproxy-servers.cfg     the `backend receivers` section for the local receivers
#   TOPO_REDIS_DIR (default TOPO_DIR/redis)  redis data: AOF + RDB
#
# Typical use:
#   . scripts/lib.sh; . scripts/topology.sh
#   topo_init "$(mktemp -d)"; trap topo_stop EXIT
#   topo_build debug                      # or WD_BIN=/path/to/webhook-dedup
#   topo_start_redis                      # skipped when REDIS_URL is set (then that Redis is used)
#   topo_start_receivers 3
#   topo_start_lb "$(free_port)"
#   topo_start_deliverers 2               # WD_DOWNSTREAM_URL, default `-`
#   ... curl "http://127.0.0.1:$TOPO_LB_PORT/webhook/evolution" ...
#   topo_stop_receiver 2 && topo_start_receiver 2 && topo_wait_lb_up receiver2
#
# Functions return non-zero on failure and print why on stderr; they never exit the caller, and
# are safe under `set -euo pipefail` (callers use `fn || handle`).
# Requires bash 4+ (arrays), curl, redis-server/redis-cli, haproxy, python3.

TOPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPO_DIR=""
TOPO_REDIS_DIR=""
TOPO_REDIS_PID=""
TOPO_REDIS_PORT=""
TOPO_LB_PID=""
TOPO_LB_PORT=""
TOPO_STATS_PORT=""
TOPO_RECV_PID=()     # index = receiver number (1-based)
TOPO_RECV_PORT=()
TOPO_DELIV_PID=()    # index = deliverer number (1-based)
TOPO_DELIV_METRICS_PORT=()
TOPO_EXTRA_PIDS=()   # helpers registered with topo_track (sinks, load clients): stopped first

# topo_init DIR: where logs, generated config and (by default) redis data go.
topo_init() {
    TOPO_DIR="$1"
    TOPO_REDIS_DIR="${TOPO_REDIS_DIR:-$TOPO_DIR/redis}"
    mkdir -p "$TOPO_DIR/logs" || return 1
}

# topo_build [debug|release]: builds webhook-dedup and sets WD_BIN. WD_BIN already set: no build.
topo_build() {
    if [ -n "${WD_BIN:-}" ]; then
        [ -x "$WD_BIN" ] || { echo "WD_BIN=$WD_BIN is not an executable" >&2; return 1; }
        return 0
    fi
    local config=()
    [ "${1:-debug}" = "release" ] && config=(-c release)
    echo "building webhook-dedup (${1:-debug})..." >&2
    (cd "$TOPO_ROOT" && swift build "${config[@]}" --product webhook-dedup) >&2 || return 1
    WD_BIN="$(cd "$TOPO_ROOT" && swift build "${config[@]}" --show-bin-path)/webhook-dedup"
    export WD_BIN
}

# _topo_spawn LOG OUT CMD...: starts CMD in the background, stdout to OUT, stderr to LOG; sets
# TOPO_SPAWNED_PID. (A function, not $(...): the process must be a child of the calling shell so
# that `wait` can reap it and read its exit status.) In a script (no job control) it runs in its
# own session (setsid, which then execs in place, so the pid is CMD's): Ctrl-C in the terminal
# reaches only the script, whose trap stops the processes in order (Redis last) instead of all of
# them at once. In an interactive shell, job control already keeps background jobs out of Ctrl-C's
# way, and setsid would fork (the job leads its process group), so CMD runs as it is.
_topo_spawn() {
    local log="$1" out="$2"
    shift 2
    if [[ $- == *m* ]]; then
        "$@" >>"$out" 2>>"$log" </dev/null &
    else
        setsid "$@" >>"$out" 2>>"$log" </dev/null &
    fi
    TOPO_SPAWNED_PID=$!
}

# _topo_wait_exit PID SECONDS: waits for PID (a child of this shell) to exit, SIGKILL after
# SECONDS; sets TOPO_EXIT_CODE. Polls rather than arming a watchdog subshell: a subshell would
# carry the caller's traps (a trap EXIT that runs topo_stop, say) into places it must not run.
_topo_wait_exit() {
    local pid="$1" deadline=$(( $(date +%s) + $2 ))
    while _topo_running "$pid"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "pid $pid still running after $2 s: SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    TOPO_EXIT_CODE=0
    wait "$pid" 2>/dev/null || TOPO_EXIT_CODE=$?
    return 0
}

# topo_track PID: a helper process (e.g. a downstream sink) that topo_stop stops too.
topo_track() { TOPO_EXTRA_PIDS+=("$1"); }

# topo_start_redis: a redis-server with deploy/redis.conf (AOF, appendfsync everysec) in
# TOPO_REDIS_DIR on WD_REDIS_PORT (default: a free port), unless REDIS_URL is set. Exports
# REDIS_URL for the receivers and deliverers.
topo_start_redis() {
    if [ -n "${REDIS_URL:-}" ]; then
        echo "using the Redis at REDIS_URL (not starting one)" >&2
        return 0
    fi
    TOPO_REDIS_PORT="${WD_REDIS_PORT:-$(free_port)}"
    mkdir -p "$TOPO_REDIS_DIR" || return 1
    _topo_spawn "$TOPO_DIR/logs/redis.log" "$TOPO_DIR/logs/redis.log" \
        redis-server "$TOPO_ROOT/deploy/redis.conf" --port "$TOPO_REDIS_PORT" \
        --dir "$TOPO_REDIS_DIR" --daemonize no --logfile ""
    TOPO_REDIS_PID=$TOPO_SPAWNED_PID
    wait_for_redis "$TOPO_REDIS_PORT" || { tail -5 "$TOPO_DIR/logs/redis.log" >&2; return 1; }
    export REDIS_URL="redis://127.0.0.1:$TOPO_REDIS_PORT/0"
}

# topo_redis_cli ARGS...: redis-cli against the topology's Redis (REDIS_URL).
topo_redis_cli() { redis-cli -u "$REDIS_URL" "$@"; }

# topo_start_receiver N [PORT]: receiver N on 127.0.0.1:PORT (default: its previous port, else a
# free one), named receiver-N; waits for /healthz. Environment (WD_DEDUP_TTL, WD_DRAIN_SECONDS, ...)
# passes through.
topo_start_receiver() {
    local n="$1" port="${2:-${TOPO_RECV_PORT[$1]:-}}"
    [ -n "$port" ] || port=$(free_port)
    _topo_spawn "$TOPO_DIR/logs/receiver-$n.log" "$TOPO_DIR/logs/receiver-$n.log" \
        env WD_HOST=127.0.0.1 WD_PORT="$port" WD_RECEIVER_NAME="receiver-$n" "$WD_BIN" receive
    TOPO_RECV_PID[n]=$TOPO_SPAWNED_PID
    TOPO_RECV_PORT[n]=$port
    if ! wait_for_http "http://127.0.0.1:$port/healthz" 30; then
        echo "receiver-$n did not start; last lines of $TOPO_DIR/logs/receiver-$n.log:" >&2
        tail -5 "$TOPO_DIR/logs/receiver-$n.log" >&2
        return 1
    fi
}

# topo_start_receivers COUNT
topo_start_receivers() {
    local n
    for n in $(seq 1 "$1"); do topo_start_receiver "$n" || return 1; done
}

# topo_term_receiver N: sends SIGTERM (the receiver starts draining); topo_wait_receiver collects it.
topo_term_receiver() {
    local pid="${TOPO_RECV_PID[$1]:-}"
    [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
}

# topo_wait_receiver N [SECONDS]: waits for receiver N to exit (SIGKILL after SECONDS, default
# drain + 15). Sets TOPO_EXIT_CODE; returns non-zero unless it exited 0.
topo_wait_receiver() {
    local n="$1" pid="${TOPO_RECV_PID[$1]:-}"
    [ -n "$pid" ] || return 0
    _topo_wait_exit "$pid" "${2:-$(( ${WD_DRAIN_SECONDS:-5} + 15 ))}"
    TOPO_RECV_PID[n]=""
    [ "$TOPO_EXIT_CODE" -eq 0 ]
}

# topo_stop_receiver N [SECONDS]: SIGTERM, then topo_wait_receiver.
topo_stop_receiver() {
    topo_term_receiver "$1"
    topo_wait_receiver "$@"
}

# topo_write_lb_servers: the `backend receivers` section for the current receivers.
topo_write_lb_servers() {
    local n file="$TOPO_DIR/haproxy-servers.cfg"
    {
        echo "# Written by scripts/topology.sh: the local receivers. Options come from deploy/haproxy.cfg."
        echo "backend receivers"
        for n in "${!TOPO_RECV_PORT[@]}"; do
            echo "    server receiver$n 127.0.0.1:${TOPO_RECV_PORT[$n]} check"
        done
    } >"$file"
}

# topo_lb_args: sets TOPO_LB_ARGS, haproxy's arguments for the local topology (deploy/haproxy.cfg
# in its local form, then the generated servers). WD_LB_LOCAL=1 selects the local form.
topo_lb_args() {
    TOPO_LB_ARGS=(-f "$TOPO_ROOT/deploy/haproxy.cfg" -f "$TOPO_DIR/haproxy-servers.cfg")
}

# topo_start_lb PORT [STATS_PORT]: HAProxy with deploy/haproxy.cfg on 127.0.0.1:PORT in front of
# the receivers started so far; waits until it reports every one of them UP.
topo_start_lb() {
    TOPO_LB_PORT="$1"
    TOPO_STATS_PORT="${2:-$(free_port)}"
    if ! python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$TOPO_LB_PORT" 2>/dev/null; then
        echo "port $TOPO_LB_PORT is in use; choose another with WD_LB_PORT" >&2
        return 1
    fi
    topo_write_lb_servers
    export WD_LB_LOCAL=1 WD_LB_BIND="127.0.0.1:$TOPO_LB_PORT" WD_LB_STATS_BIND="127.0.0.1:$TOPO_STATS_PORT"
    topo_lb_args
    haproxy -c -q "${TOPO_LB_ARGS[@]}" >/dev/null 2>"$TOPO_DIR/logs/haproxy-check.log" || {
        cat "$TOPO_DIR/logs/haproxy-check.log" >&2
        return 1
    }
    _topo_spawn "$TOPO_DIR/logs/haproxy.log" "$TOPO_DIR/logs/haproxy.log" haproxy -db "${TOPO_LB_ARGS[@]}"
    TOPO_LB_PID=$TOPO_SPAWNED_PID
    local n
    for n in "${!TOPO_RECV_PORT[@]}"; do
        topo_wait_lb_up "receiver$n" 20 || return 1
    done
}

# topo_lb_status SERVER: HAProxy's state of one server (UP, DOWN, "DOWN 1/2", MAINT, ...).
topo_lb_status() {
    curl -fsS "http://127.0.0.1:$TOPO_STATS_PORT/;csv" 2>/dev/null |
        awk -F, -v s="$1" '$1 == "receivers" && $2 == s { print $18 }'
}

# topo_wait_lb_up SERVER [SECONDS]: waits until HAProxy's health checks see SERVER as UP.
topo_wait_lb_up() {
    local deadline=$(( $(date +%s) + ${2:-20} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(topo_lb_status "$1")" = "UP" ] && return 0
        sleep 0.2
    done
    echo "HAProxy does not see $1 UP (state: $(topo_lb_status "$1"))" >&2
    return 1
}

# topo_start_deliverer N: deliverer N (consumer deliverer-N of group WD_GROUP), downstream
# WD_DOWNSTREAM_URL (default `-`: one JSON line per entry, captured in logs/deliverer-N.out);
# /metrics and /healthz on 127.0.0.1:TOPO_DELIV_METRICS_PORT[N].
topo_start_deliverer() {
    local n="$1" metrics_port
    metrics_port=$(free_port)
    _topo_spawn "$TOPO_DIR/logs/deliverer-$n.log" "$TOPO_DIR/logs/deliverer-$n.out" \
        env WD_DOWNSTREAM_URL="${WD_DOWNSTREAM_URL:--}" WD_CONSUMER="deliverer-$n" \
        WD_HOST=127.0.0.1 WD_METRICS_PORT="$metrics_port" "$WD_BIN" deliver
    TOPO_DELIV_PID[n]=$TOPO_SPAWNED_PID
    TOPO_DELIV_METRICS_PORT[n]=$metrics_port
    sleep 0.3
    if ! _topo_running "$TOPO_SPAWNED_PID"; then
        echo "deliverer-$n exited at start; last lines of $TOPO_DIR/logs/deliverer-$n.log:" >&2
        tail -5 "$TOPO_DIR/logs/deliverer-$n.log" >&2
        return 1
    fi
}

# topo_start_deliverers COUNT
topo_start_deliverers() {
    local n
    for n in $(seq 1 "$1"); do topo_start_deliverer "$n" || return 1; done
}

# topo_start_console [PORT]: `webhook-dedup console` on 127.0.0.1:PORT (default WD_CONSOLE_PORT, else
# a free port), stopped with the helpers; WD_CONSOLE_TOKEN passes through. Sets TOPO_CONSOLE_PORT and
# waits for /healthz.
topo_start_console() {
    TOPO_CONSOLE_PORT="${1:-${WD_CONSOLE_PORT:-$(free_port)}}"
    _topo_spawn "$TOPO_DIR/logs/console.log" "$TOPO_DIR/logs/console.log" \
        env WD_CONSOLE_HOST=127.0.0.1 WD_CONSOLE_PORT="$TOPO_CONSOLE_PORT" "$WD_BIN" console
    topo_track "$TOPO_SPAWNED_PID"
    if ! wait_for_http "http://127.0.0.1:$TOPO_CONSOLE_PORT/healthz" 30; then
        echo "the console did not start; last lines of $TOPO_DIR/logs/console.log:" >&2
        tail -5 "$TOPO_DIR/logs/console.log" >&2
        return 1
    fi
}

# topo_delivered_lines: lines the deliverers wrote to stdout so far (downstream `-`).
topo_delivered_lines() {
    cat "$TOPO_DIR"/logs/deliverer-*.out 2>/dev/null | wc -l
}

# _topo_running PID: true while PID runs. An exited child stays a zombie (state Z) until it is
# reaped, so kill -0 alone is not enough.
_topo_running() {
    local stat
    [ -n "$1" ] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != "Z" ]
}

# topo_dead: prints the name of every started process that is no longer running, one per line.
topo_dead() {
    local n
    if [ -n "$TOPO_REDIS_PID" ] && ! _topo_running "$TOPO_REDIS_PID"; then echo redis-server; fi
    if [ -n "$TOPO_LB_PID" ] && ! _topo_running "$TOPO_LB_PID"; then echo haproxy; fi
    for n in "${!TOPO_RECV_PID[@]}"; do
        if [ -n "${TOPO_RECV_PID[$n]}" ] && ! _topo_running "${TOPO_RECV_PID[$n]}"; then echo "receiver-$n"; fi
    done
    for n in "${!TOPO_DELIV_PID[@]}"; do
        if [ -n "${TOPO_DELIV_PID[$n]}" ] && ! _topo_running "${TOPO_DELIV_PID[$n]}"; then echo "deliverer-$n"; fi
    done
    return 0
}

# topo_stop: stops every process this shell started, newest layer first: helpers, HAProxy,
# receivers and deliverers (SIGTERM, in parallel, bounded), then Redis (SIGTERM: it fsyncs the AOF
# and exits). Safe to call more than once (trap EXIT and trap INT both may). Sets
# TOPO_STOP_FAILURES to the receivers/deliverers that did not exit 0 ("receiver-2:137 ...").
topo_stop() {
    local pid n names=() pids=()
    TOPO_STOP_FAILURES=""
    for pid in "${TOPO_EXTRA_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${TOPO_EXTRA_PIDS[@]}"; do _topo_wait_exit "$pid" 5; done
    TOPO_EXTRA_PIDS=()
    if [ -n "$TOPO_LB_PID" ]; then
        kill -TERM "$TOPO_LB_PID" 2>/dev/null || true
        _topo_wait_exit "$TOPO_LB_PID" 5
        TOPO_LB_PID=""
    fi
    for n in "${!TOPO_RECV_PID[@]}"; do
        if [ -n "${TOPO_RECV_PID[$n]}" ]; then names+=("receiver-$n"); pids+=("${TOPO_RECV_PID[$n]}"); fi
        TOPO_RECV_PID[n]=""
    done
    for n in "${!TOPO_DELIV_PID[@]}"; do
        if [ -n "${TOPO_DELIV_PID[$n]}" ]; then names+=("deliverer-$n"); pids+=("${TOPO_DELIV_PID[$n]}"); fi
        TOPO_DELIV_PID[n]=""
    done
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for n in "${!pids[@]}"; do
        _topo_wait_exit "${pids[$n]}" $(( ${WD_DRAIN_SECONDS:-5} + 15 ))
        if [ "$TOPO_EXIT_CODE" -ne 0 ]; then TOPO_STOP_FAILURES+="${names[$n]}:$TOPO_EXIT_CODE "; fi
    done
    if [ -n "$TOPO_REDIS_PID" ]; then
        kill -TERM "$TOPO_REDIS_PID" 2>/dev/null || true
        _topo_wait_exit "$TOPO_REDIS_PID" 15
        TOPO_REDIS_PID=""
    fi
    _topo_stop_ha
    return 0
}

# --- Redis Sentinel and Redis Cluster (scripts/run --redis sentinel|cluster, scripts/chaos) ---------
# Data nodes and sentinels run from deploy/redis.conf on free loopback ports, each in
# TOPO_DIR/<kind>/<port> made fresh (a cluster's nodes.conf names the ports of its own run).
# TOPO_HA_PID[port] is each process; topo_stop stops them after the receivers and deliverers.
TOPO_HA_PORTS=()        # data nodes: sentinel primary first, then its replicas; the six cluster nodes
TOPO_SENTINEL_PORTS=()
declare -A TOPO_HA_PID=()
declare -A TOPO_HA_BUS=()   # cluster node port -> its cluster bus port
TOPO_SENTINEL_NAME=wdprimary

# _topo_start_node PORT DIR ARGS...: one redis-server (deploy/redis.conf, AOF) for an HA topology.
# Each node runs from its own copy of the file: sentinels and failovers rewrite a node's config file
# (CONFIG REWRITE), and the repository's must stay as it is.
_topo_start_node() {
    local port="$1" dir="$2"
    shift 2
    mkdir -p "$dir" || return 1
    [ -f "$dir/redis.conf" ] || cp "$TOPO_ROOT/deploy/redis.conf" "$dir/redis.conf" || return 1
    _topo_spawn "$TOPO_DIR/logs/redis-$port.log" "$TOPO_DIR/logs/redis-$port.log" \
        redis-server "$dir/redis.conf" --port "$port" --dir "$dir" --daemonize no --logfile "" "$@"
    TOPO_HA_PID[$port]=$TOPO_SPAWNED_PID
    wait_for_redis "$port" || { tail -5 "$TOPO_DIR/logs/redis-$port.log" >&2; return 1; }
}

# _topo_wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s until it succeeds.
_topo_wait_for() {
    local deadline=$(( $(date +%s) + $1 )) what="$2"
    shift 2
    while [ "$(date +%s)" -lt "$deadline" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "no $what within the time allowed" >&2
    return 1
}

# topo_start_redis_sentinel: a primary, 2 replicas and 3 sentinels (quorum 2,
# down-after-milliseconds 1000). Exports REDIS_URL=redis+sentinel://.../wdprimary.
topo_start_redis_sentinel() {
    local dir="$TOPO_DIR/sentinel" port n urls=()
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    for n in 0 1 2; do
        port=$(free_port)
        if [ "$n" = 0 ]; then
            _topo_start_node "$port" "$dir/$port" || return 1
        else
            _topo_start_node "$port" "$dir/$port" --replicaof 127.0.0.1 "${TOPO_HA_PORTS[0]}" || return 1
        fi
        TOPO_HA_PORTS+=("$port")
    done
    for n in 1 2 3; do
        port=$(free_port)
        cat >"$dir/sentinel-$port.conf" <<CONF
port $port
bind 127.0.0.1
dir $dir
sentinel monitor $TOPO_SENTINEL_NAME 127.0.0.1 ${TOPO_HA_PORTS[0]} 2
sentinel down-after-milliseconds $TOPO_SENTINEL_NAME 1000
sentinel failover-timeout $TOPO_SENTINEL_NAME 10000
CONF
        _topo_spawn "$TOPO_DIR/logs/sentinel-$port.log" "$TOPO_DIR/logs/sentinel-$port.log" redis-sentinel "$dir/sentinel-$port.conf"
        TOPO_HA_PID[$port]=$TOPO_SPAWNED_PID
        TOPO_SENTINEL_PORTS+=("$port")
        wait_for_redis "$port" || return 1
        urls+=("127.0.0.1:$port")
    done
    # Ready when the replicas are in sync and every sentinel sees both replicas and the other two.
    _topo_wait_for 30 "replicas in sync" _topo_replicas_synced "${TOPO_HA_PORTS[0]}" 2 || return 1
    for port in "${TOPO_SENTINEL_PORTS[@]}"; do
        _topo_wait_for 30 "sentinel $port seeing its peers" _topo_sentinel_ready "$port" || return 1
    done
    REDIS_URL="redis+sentinel://$(IFS=,; echo "${urls[*]}")/$TOPO_SENTINEL_NAME"
    export REDIS_URL
}

_topo_replicas_synced() {
    [ "$(redis-cli -p "$1" INFO replication | grep -c 'state=online')" -ge "$2" ]
}

_topo_sentinel_ready() {
    local info
    info=$(redis-cli -p "$1" SENTINEL master "$TOPO_SENTINEL_NAME" | paste - -)
    echo "$info" | grep -qP '^num-slaves\t2$' && echo "$info" | grep -qP '^num-other-sentinels\t2$'
}

# topo_sentinel_primary_port: the port the sentinels name as primary now.
topo_sentinel_primary_port() {
    local port
    for port in "${TOPO_SENTINEL_PORTS[@]}"; do
        redis-cli -p "$port" SENTINEL get-master-addr-by-name "$TOPO_SENTINEL_NAME" 2>/dev/null | tail -1 && return 0
    done
    return 1
}

# topo_start_redis_cluster: 3 primaries and 3 replicas joined by redis-cli --cluster create
# (cluster-node-timeout 1000). Exports REDIS_URL=redis+cluster://... naming three seed nodes.
topo_start_redis_cluster() {
    local dir="$TOPO_DIR/cluster" port bus n nodes=()
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    for n in 1 2 3 4 5 6; do
        port=$(free_port)
        # The bus port is chosen too: port + 10000 may be taken, or beyond 65535.
        bus=$(free_port)
        while [ "$bus" = "$port" ]; do bus=$(free_port); done
        _topo_start_node "$port" "$dir/$port" --cluster-enabled yes --cluster-config-file nodes.conf \
            --cluster-node-timeout 1000 --cluster-port "$bus" || return 1
        TOPO_HA_BUS[$port]=$bus
        TOPO_HA_PORTS+=("$port")
        nodes+=("127.0.0.1:$port")
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$TOPO_DIR/logs/cluster-create.log" 2>&1 || {
        tail -5 "$TOPO_DIR/logs/cluster-create.log" >&2
        return 1
    }
    for port in "${TOPO_HA_PORTS[@]}"; do
        _topo_wait_for 30 "cluster_state:ok on $port" _topo_cluster_ok "$port" || return 1
    done
    _topo_wait_for 30 "3 replicas in sync" _topo_cluster_replicas_synced 3 || return 1
    REDIS_URL="redis+cluster://$(IFS=,; echo "${nodes[*]:0:3}")"
    export REDIS_URL
}

# _topo_cluster_replicas_synced COUNT: COUNT nodes are replicas with their link to the primary up.
_topo_cluster_replicas_synced() {
    local port synced=0
    for port in "${TOPO_HA_PORTS[@]}"; do
        if redis-cli -p "$port" INFO replication 2>/dev/null | grep -q '^master_link_status:up'; then synced=$((synced + 1)); fi
    done
    [ "$synced" -ge "$1" ]
}

_topo_cluster_ok() {
    redis-cli -p "$1" CLUSTER INFO | grep -q '^cluster_state:ok'
}

# topo_cluster_primaries: the ports of the live nodes that are primaries now, one per line.
topo_cluster_primaries() {
    local port
    for port in "${TOPO_HA_PORTS[@]}"; do
        _topo_running "${TOPO_HA_PID[$port]:-}" || continue
        if redis-cli -p "$port" INFO replication 2>/dev/null | grep -q '^role:master'; then echo "$port"; fi
    done
}

# topo_cluster_port_of_shard N: the port of the primary holding shard N's keys ({N}).
topo_cluster_port_of_shard() {
    local slot port
    slot=$(redis-cli -p "${TOPO_HA_PORTS[0]}" CLUSTER KEYSLOT "{$1}")
    for port in "${TOPO_HA_PORTS[@]}"; do
        _topo_running "${TOPO_HA_PID[$port]:-}" || continue
        redis-cli -p "$port" --json CLUSTER SLOTS 2>/dev/null | python3 -c '
import json, sys
slot = int(sys.argv[1])
for r in json.load(sys.stdin):
    if r[0] <= slot <= r[1]:
        print(r[2][1]); break
' "$slot" && return 0
    done
    return 1
}

# topo_ha_kill PORT: kill -9 of one data node or sentinel (a crash).
topo_ha_kill() {
    kill -KILL "${TOPO_HA_PID[$1]}" 2>/dev/null || true
    _topo_wait_exit "${TOPO_HA_PID[$1]}" 5
    TOPO_HA_PID[$1]=""
}

# topo_ha_start PORT: starts a killed cluster node or sentinel-topology data node again, with its
# data directory and (for a cluster) nodes.conf: it rejoins as a replica.
topo_ha_start() {
    local port="$1" dir
    for dir in "$TOPO_DIR/cluster/$port" "$TOPO_DIR/sentinel/$port"; do
        [ -d "$dir" ] || continue
        if [ -f "$dir/nodes.conf" ]; then
            _topo_start_node "$port" "$dir" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 \
                --cluster-port "${TOPO_HA_BUS[$port]}"
        else
            _topo_start_node "$port" "$dir" --replicaof 127.0.0.1 "$(topo_sentinel_primary_port)"
        fi
        return
    done
    return 1
}

# _topo_stop_ha: SIGTERM to every HA process (AOF fsynced on the way out), bounded.
_topo_stop_ha() {
    local port
    for port in "${!TOPO_HA_PID[@]}"; do
        if [ -n "${TOPO_HA_PID[$port]}" ]; then kill -TERM "${TOPO_HA_PID[$port]}" 2>/dev/null || true; fi
    done
    for port in "${!TOPO_HA_PID[@]}"; do
        [ -n "${TOPO_HA_PID[$port]}" ] && _topo_wait_exit "${TOPO_HA_PID[$port]}" 15
        TOPO_HA_PID[$port]=""
    done
    return 0
}
