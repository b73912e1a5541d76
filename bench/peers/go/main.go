// Command peer-go is a hand-written Go peer of webhook-dedup for scripts/bench: net/http + redigo,
// doing what bench/peers/fastapi/app.py does, so the receiver is compared with what a Go developer
// would write in an afternoon.
//
// POST /webhook/{source}[/{rest}] keys an Evolution messages.upsert (or send.message) by
// instance + event + data.key.id + data.key.fromMe (else SHA-256 of the body) and in ONE Lua
// script (EVALSHA, EVAL on NOSCRIPT) does SET NX EX on the seen key and, when it was new, XADD of
// the body to the stream. Answers {"status":"accepted"|"duplicate","key":K,"id":ID}, as the
// receiver does. One pooled connection per request in flight: no pipelining.
//
// Build (Debian packages golang-go and golang-github-gomodule-redigo-dev, offline):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o peer-go ./bench/peers/go
//	REDIS_URL=redis://127.0.0.1:6379/0 WD_KEY_PREFIX=peer ./peer-go --host 127.0.0.1 --port 8000
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
)

// accept is the same script as the Python peer's: the seen key holds the stream entry id, so a
// duplicate answers with the id of the first delivery.
var accept = redis.NewScript(2, `
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then
  local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
  redis.call('SET', KEYS[1], id, 'KEEPTTL')
  return {1, id}
end
return {0, redis.call('GET', KEYS[1])}
`)

var (
	pool   *redis.Pool
	ttl    = getenv("WD_DEDUP_TTL", "86400")
	prefix = getenv("WD_KEY_PREFIX", "peer")
)

func getenv(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

// evolution holds the fields the key needs; pointers tell a missing field from an empty one.
type evolution struct {
	Event    string  `json:"event"`
	Instance *string `json:"instance"`
	Data     *struct {
		Key *struct {
			ID     *string `json:"id"`
			FromMe bool    `json:"fromMe"`
		} `json:"key"`
	} `json:"data"`
}

func dedupKey(body []byte) string {
	var doc evolution
	if json.Unmarshal(body, &doc) == nil && (doc.Event == "messages.upsert" || doc.Event == "send.message") &&
		doc.Instance != nil && doc.Data != nil && doc.Data.Key != nil && doc.Data.Key.ID != nil {
		return fmt.Sprintf("%s:%s:%s:%t", *doc.Instance, doc.Event, *doc.Data.Key.ID, doc.Data.Key.FromMe)
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

type answer struct {
	Status string  `json:"status"`
	Key    string  `json:"key"`
	ID     *string `json:"id"`
}

func webhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	source, rest, hasRest := strings.Cut(strings.TrimPrefix(r.URL.Path, "/webhook/"), "/")
	if source == "" {
		http.NotFound(w, r)
		return
	}
	path := ""
	if hasRest {
		path = "/" + rest
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := source + ":" + dedupKey(body)
	conn, err := pool.GetContext(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer conn.Close()
	reply, err := redis.Values(accept.Do(conn, prefix+":seen:"+key, prefix+":stream",
		ttl, "pending", "key", key, "source", source, "path", path,
		"received_at", strconv.FormatInt(time.Now().UnixMilli(), 10),
		"content_type", r.Header.Get("Content-Type"), "body", body))
	if err != nil || len(reply) != 2 {
		http.Error(w, fmt.Sprint("redis: ", err), http.StatusInternalServerError)
		return
	}
	out := answer{Status: "duplicate", Key: key}
	if n, _ := redis.Int(reply[0], nil); n == 1 {
		out.Status = "accepted"
	}
	if id, err := redis.String(reply[1], nil); err == nil {
		out.ID = &id
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 8000, "port to listen on")
	flag.Parse()
	url := getenv("REDIS_URL", "redis://127.0.0.1:6379/0")
	// As many connections as wrk keeps open (64): a request never waits for a free one.
	pool = &redis.Pool{
		MaxIdle:     64,
		MaxActive:   64,
		Wait:        true,
		IdleTimeout: 4 * time.Minute,
		Dial:        func() (redis.Conn, error) { return redis.DialURL(url) },
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("/webhook/", webhook)
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
