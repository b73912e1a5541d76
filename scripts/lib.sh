# Shared helpers for the scripts in this folder (sourced, not run).

# ensure_packages PKG...: installs the Debian packages that are missing (apt-get update first).
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_redis PORT: waits up to 10 s for PONG.
wait_for_redis() {
    for _ in $(seq 1 100); do
        if [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ]; then return 0; fi
        sleep 0.1
    done
    echo "redis-server on port $1 did not start" >&2
    return 1
}

# wait_for_http URL [SECONDS]: waits for a 2xx answer.
wait_for_http() {
    local deadline=$(( $(date +%s) + ${2:-30} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "$1 did not answer" >&2
    return 1
}

# make_tls_files DIR: a throwaway CA, a server certificate for the name localhost (no IP address in
# it, so a client that connects to 127.0.0.1 must be told the name to verify), and a client
# certificate, all signed by that CA (openssl; files ca.crt, server.crt/.key, client.crt/.key).
# ECDSA P-256 keys: a handshake costs a fraction of an RSA one, which matters when a debug build's
# test suites open dozens of TLS connections at once on two cores.
make_tls_files() {
    local dir=$1
    (
        cd "$dir"
        openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 -days 2 -subj "/CN=webhook-dedup test CA" \
            -keyout ca.key -out ca.crt 2>/dev/null
        for who in server client; do
            openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 -subj "/CN=$who" -keyout "$who.key" -out "$who.csr" 2>/dev/null
            printf 'subjectAltName=DNS:localhost\n' >"$who.ext"
            openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 \
                -extfile "$who.ext" -out "$who.crt" 2>/dev/null
        done
    )
}

# wait_for_redis_tls PORT DIR: waits up to 10 s for PONG over TLS (files from make_tls_files DIR).
wait_for_redis_tls() {
    for _ in $(seq 1 100); do
        if [ "$(redis-cli -p "$1" --tls --cacert "$2/ca.crt" --cert "$2/client.crt" --key "$2/client.key" ping 2>/dev/null)" = "PONG" ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "redis-server with TLS on port $1 did not start" >&2
    return 1
}
