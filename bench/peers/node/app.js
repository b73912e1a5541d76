// A hand-written Node.js peer of webhook-dedup for scripts/bench: Express 4 + node-redis 4,
// doing what bench/peers/fastapi/app.py does, so the receiver is compared with what a Node
// developer would write in an afternoon.
//
// POST /webhook/{source}[/{rest}] keys an Evolution messages.upsert (or send.message) by instance +
// event + data.key.id + data.key.fromMe (else SHA-256 of the body) and in ONE Lua script (EVALSHA,
// EVAL on NOSCRIPT, by node-redis's defineScript) does SET NX EX on the seen key and, when it was
// new, XADD of the body to the stream. Answers {"status":"accepted"|"duplicate","key":K,"id":ID},
// as the receiver does. node-redis keeps one connection per process and writes the commands of
// concurrent requests together (its usual auto-pipelining).
//
// Debian packages node-express and node-redis install under /usr/share/nodejs, which Debian's
// node searches and other builds of node do not, hence NODE_PATH:
//
//   NODE_PATH=/usr/share/nodejs REDIS_URL=redis://127.0.0.1:6379/0 WD_KEY_PREFIX=peer \
//       node bench/peers/node/app.js --host 127.0.0.1 --port 8000 [--workers N]
//
// --workers N (default 1) runs N processes under node:cluster, sharing the port.
'use strict';

const cluster = require('node:cluster');
const crypto = require('node:crypto');
const { parseArgs } = require('node:util');
const express = require('express');
const { createClient, defineScript } = require('redis');

const { values: opts } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8000' },
    workers: { type: 'string', default: '1' },
  },
});
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379/0';
const TTL = process.env.WD_DEDUP_TTL || '86400';
const PREFIX = process.env.WD_KEY_PREFIX || 'peer';

// The same script as the Python peer's: the seen key holds the stream entry id, so a duplicate
// answers with the id of the first delivery.
const ACCEPT = `
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then
  local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
  redis.call('SET', KEYS[1], id, 'KEEPTTL')
  return {1, id}
end
return {0, redis.call('GET', KEYS[1])}
`;

function dedupKey(body) {
  try {
    const doc = JSON.parse(body);
    if (doc.event === 'messages.upsert' || doc.event === 'send.message') {
      const key = doc.data.key;
      if (doc.instance !== undefined && key.id !== undefined) {
        return `${doc.instance}:${doc.event}:${key.id}:${String(key.fromMe ?? false).toLowerCase()}`;
      }
    }
  } catch {
    // not JSON, or not shaped like an Evolution message: keyed by its bytes
  }
  return crypto.createHash('sha256').update(body).digest('hex');
}

async function serve() {
  const client = createClient({
    url: REDIS_URL,
    scripts: {
      accept: defineScript({
        NUMBER_OF_KEYS: 2,
        SCRIPT: ACCEPT,
        transformArguments: (keys, args) => [...keys, ...args],
        transformReply: (reply) => reply,
      }),
    },
  });
  client.on('error', (err) => console.error('redis:', err.message));
  await client.connect();

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Any content type, any size: the body is kept as the bytes received.
  app.use(express.raw({ type: () => true, limit: '100mb' }));

  app.get('/healthz', (req, res) => res.json({ status: 'ok' }));

  // /webhook/{source} and /webhook/{source}/{rest}: a RegExp, because Debian's Express routes
  // with a newer path-to-regexp than upstream Express 4 and the two read `*` differently.
  app.post(/^\/webhook\/([^/]+)(\/.*)?$/, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const source = req.params[0];
    const rest = req.params[1] || '';
    const key = `${source}:${dedupKey(body)}`;
    try {
      const [isNew, id] = await client.accept(
        [`${PREFIX}:seen:${key}`, `${PREFIX}:stream`],
        [TTL, 'pending', 'key', key, 'source', source, 'path', rest, 'received_at', String(Date.now()),
          'content_type', req.get('content-type') || '', 'body', body],
      );
      res.json({ status: isNew === 1 ? 'accepted' : 'duplicate', key, id });
    } catch (err) {
      res.status(500).json({ error: err.message });
    }
  });

  app.listen(Number(opts.port), opts.host);
}

const workers = Number(opts.workers);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    console.error(`worker ${worker.process.pid} exited (${code}); stopping`);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    cluster.removeAllListeners('exit');
    for (const worker of Object.values(cluster.workers)) worker.kill('SIGTERM');
  });
} else {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
