/**
 * npm run bench [-- --duration 10 --warmup 3 --connections 64 --rounds 1 --role all|api --no-worker]
 *
 * Posts realistic, distinct SocketLabs events at the receiver with concurrent keep-alive connections for a fixed
 * time and prints accepted events/s and p50/p99 latency; the same for a bare node:http endpoint in the same run,
 * before and after each receiver run (the ratio to their mean is the cost of the pipeline: auth, dedupe key,
 * group-committed INSERT, enqueue, and the workers on the same cores); then what the workers processed during
 * the load, how fast they drain the rest after it, and whether every acknowledged event was committed.
 * The service runs as `npm start` runs it (ROLE=all: receiver and workers share the machine). Each endpoint gets
 * a few seconds of load first that are not measured (JIT warm-up, connection pools, the worker thread starting).
 */
import autocannon from 'autocannon';
import { fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { deleteRedisKeys } from '../test/utils/redis-keys';
import { freePort, ServiceProcess } from '../test/utils/service-process';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DURATION = arg('duration', 10);
/** Seconds of load before each measured run, not counted: JIT warm-up, pools and the worker thread started. */
const WARMUP = arg('warmup', 3);
const CONNECTIONS = arg('connections', 64);
const ROLE_INDEX = args.indexOf('--role');
/** `all` (default, as `npm start`): receiver and workers in one process; `api`: the receiver alone, a worker process beside it. */
const ROLE = ROLE_INDEX >= 0 ? args[ROLE_INDEX + 1] : 'all';
/** With `--role api`: no worker at all, to show what the receiver costs alone (nothing is drained). */
const NO_WORKER = args.includes('--no-worker');
/** Receiver runs, each between two bare runs; the summary gives medians (the machine's speed drifts between runs). */
const ROUNDS = Math.max(1, arg('rounds', 1));
const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB_NAME = 'socketlabs_gateway_bench';
const SECRET = 'bench-secret-key';

let counter = 0;
const TYPES = ['Queued', 'Delivered', 'Tracking', 'Deferred', 'Failed'];
function event(): string {
  const n = counter++;
  const type = TYPES[n % TYPES.length];
  const base: Record<string, unknown> = {
    Type: type,
    DateTime: new Date(Date.UTC(2026, 10, 23) + n).toISOString().replace('Z', '0000Z'),
    ServerId: 12345,
    SubaccountId: 12345,
    IpPoolId: 7,
    Address: `recipient${Math.floor(n / TYPES.length) % 5000}@example.com`,
    MailingId: 'bench-mailing',
    MessageId: `bench-${Math.floor(n / TYPES.length)}`,
    SecretKey: SECRET,
    Data: { Meta: [{ Key: 'x-campaign', Value: 'november' }, { Key: 'x-user', Value: String(n) }], Tags: ['bench', 'newsletter'] },
  };
  if (type === 'Queued') Object.assign(base, { FromAddress: 'news@example.org', Subject: 'Your November digest', MessageSize: 24817 });
  if (type === 'Delivered') Object.assign(base, { Response: '250 2.0.0 OK 1700000000 gsmtp', LocalIp: '142.0.176.12', RemoteMta: 'gmail-smtp-in.l.google.com' });
  if (type === 'Tracking') Object.assign(base, { TrackingType: 1, ClientIp: '203.0.113.9', UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', Url: '' });
  if (type === 'Deferred') Object.assign(base, { FromAddress: 'news@example.org', DeferralCode: 3001, Reason: '452 4.2.2 Mailbox full' });
  if (type === 'Failed') Object.assign(base, { FromAddress: 'news@example.org', FailureType: 'Permanent', FailureCode: 2001, Reason: '550 5.1.1 No such user', RemoteMta: 'mx.example.com' });
  return JSON.stringify(base);
}

interface Figures {
  requests: number;
  ok: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk (C, one thread) when installed leaves the service more of the machine than autocannon (JavaScript). */
const WRK = spawnSync('wrk', ['--version']).error === undefined;

/** `run` tells the runs' events apart (the warm-up's events must not make the measured run's duplicates). */
async function load(url: string, body: () => string, run: string, seconds = DURATION): Promise<Figures> {
  return WRK ? loadWithWrk(url, run, seconds) : loadWithAutocannon(url, body, seconds);
}

function loadWithWrk(url: string, tag: string, seconds: number): Figures {
  const run = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', join(__dirname, 'bench-events.lua'), url, '--', SECRET, tag], { encoding: 'utf8' });
  const line = run.stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk failed: ${run.stderr || run.stdout}`);
  const r = JSON.parse(line.slice('WRK_RESULT '.length)) as { requests: number; seconds: number; non2xx: number; errors: number; p50: number; p99: number };
  const ok = r.requests - r.non2xx;
  return { requests: r.requests, ok, rps: ok / r.seconds, p50: r.p50, p99: r.p99, errors: r.non2xx + r.errors };
}

async function loadWithAutocannon(url: string, body: () => string, seconds: number): Promise<Figures> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const ok = result['2xx'];
  return { requests: result.requests.total, ok, rps: ok / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The bare node:http endpoint: warmed up, then measured. */
async function measureBare(tag: string): Promise<Figures> {
  const port = await freePort();
  const bare = fork(join(__dirname, 'bench-bare-server.js'), [String(port)], { stdio: 'ignore' });
  try {
    await new Promise((r) => bare.once('message', r));
    if (WARMUP > 0) await load(`http://127.0.0.1:${port}/`, event, `${tag}-warmup`, WARMUP);
    return await load(`http://127.0.0.1:${port}/`, event, tag);
  } finally {
    bare.kill();
  }
}

interface Round {
  receiver: Figures;
  /** Stored rows (>= acknowledged: requests in flight when the load stops may commit without being counted). */
  stored: number;
  processedAtLoadEnd: number;
  loadSeconds: number;
  drainSeconds: number;
  /** Events acknowledged per second during the load. */
  arrival: number;
}

/** One measured receiver run on a fresh database and its own queue prefix (both removed after the run). */
async function measureReceiver(): Promise<Round> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `{slgw-bench-${Date.now()}}`;
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  const databaseUrl = `${SERVER}/${DB_NAME}`;
  const serviceEnv = {
    NODE_ENV: 'production',
    ROLE,
    PORT: String(await freePort()),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    WEBHOOK_SECRET_KEY: SECRET,
    ADMIN_API_KEY: 'bench-admin-key-0123456789',
    LOG_LEVEL: 'warn',
    // Worker settings to compare can be passed through: WORKER_CONCURRENCY=2 npm run bench
    ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
    ...(process.env.WORKER_SHARE_UNDER_LOAD ? { WORKER_SHARE_UNDER_LOAD: process.env.WORKER_SHARE_UNDER_LOAD } : {}),
    ...(process.env.WORKER_MAX_LAG_SECONDS ? { WORKER_MAX_LAG_SECONDS: process.env.WORKER_MAX_LAG_SECONDS } : {}),
  };
  const service = new ServiceProcess(serviceEnv, true);
  await service.start();
  const worker = ROLE === 'api' && !NO_WORKER ? new ServiceProcess({ ...serviceEnv, ROLE: 'worker', LOG_LEVEL: 'log', PORT: String(await freePort()) }, true) : undefined;
  await worker?.start();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const count = async () =>
      (await db.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE state <> 'pending')::int AS done FROM email_events`)).rows[0] as { total: number; done: number };
    const drain = async () => {
      let now = await count();
      while (!NO_WORKER && now.done < now.total) {
        await new Promise((r) => setTimeout(r, 100));
        now = await count();
      }
      return now;
    };
    if (WARMUP > 0) {
      await load(`${service.baseUrl}/webhooks/socketlabs`, event, 'warmup', WARMUP);
      await drain();
    }
    // What the warm-up stored is not part of the measured run's figures.
    const before = await count();
    const started = Date.now();
    const receiver = await load(`${service.baseUrl}/webhooks/socketlabs`, event, `measured-${started}`);
    const loadEnded = Date.now();
    const atLoadEnd = await count();
    const now = await drain();
    const drained = Date.now();
    const stored = now.total - before.total;
    return {
      receiver,
      stored,
      processedAtLoadEnd: atLoadEnd.done - before.done,
      loadSeconds: (loadEnded - started) / 1000,
      drainSeconds: (drained - loadEnded) / 1000,
      arrival: receiver.ok / ((loadEnded - started) / 1000),
    };
  } finally {
    await service.kill('SIGTERM');
    await worker?.kill('SIGTERM');
    await db.end();
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await deleteRedisKeys(redisUrl, queuePrefix);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(): Promise<void> {
  console.log(`benchmark: ${WRK ? 'wrk (1 thread)' : 'autocannon (install wrk for a lighter load generator)'}, ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s of warm-up, ROLE=${ROLE}${ROLE === 'api' ? (NO_WORKER ? ', no worker' : ' + a ROLE=worker process') : ''}, ${ROUNDS} round(s), load generator on the same machine\n`);

  // The bare endpoint before and after every receiver run: the speed of a shared machine drifts over minutes,
  // and each receiver run is compared with the mean of the two bare runs around it.
  const bare: Figures[] = [await measureBare('bare-0')];
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    rounds.push(await measureReceiver());
    bare.push(await measureBare(`bare-${i}`));
  }

  const row = (name: string, f: Figures) =>
    `| ${name.padEnd(38)} | ${f.rps.toFixed(0).padStart(8)} | ${f.p50.toFixed(1).padStart(6)} | ${f.p99.toFixed(1).padStart(6)} | ${String(f.errors).padStart(6)} |`;
  console.log('| endpoint                               | accepted/s | p50 ms | p99 ms | non-200 |');
  console.log('|----------------------------------------|-----------:|-------:|-------:|--------:|');
  console.log(row('bare node:http (parse, 200)', bare[0]));
  rounds.forEach((r, i) => {
    console.log(row(`receiver (auth, dedupe, commit)${ROUNDS > 1 ? ` #${i + 1}` : ''}`, r.receiver));
    console.log(row('bare node:http (parse, 200)', bare[i + 1]));
  });
  console.log('');

  const ratios = rounds.map((r, i) => r.receiver.rps / ((bare[i].rps + bare[i + 1].rps) / 2));
  const percent = (v: number) => `${(v * 100).toFixed(1)} %`;
  const each = (values: string[]) => (ROUNDS > 1 ? `; each round: ${values.join(', ')}` : '');
  console.log(`receiver / bare:            ${percent(median(ratios))} (against the mean of the bare runs around it; target >= 25 %${ROUNDS > 1 ? '; median' : ''})${each(ratios.map(percent))}`);
  const p99s = rounds.map((r) => r.receiver.p99);
  console.log(`receiver p99:               ${median(p99s).toFixed(1)} ms (target < 25 ms${ROUNDS > 1 ? '; median' : ''})${each(p99s.map((p) => p.toFixed(1)))}`);
  // Requests still in flight when the load generator stops may be committed without being counted, hence >=.
  const durable = rounds.every((r) => r.stored >= r.receiver.ok);
  const acknowledged = rounds.reduce((sum, r) => sum + r.receiver.ok, 0);
  const stored = rounds.reduce((sum, r) => sum + r.stored, 0);
  console.log(`acknowledged events:        ${acknowledged}; rows committed: ${stored} (${durable ? 'every acknowledged event is stored' : 'FEWER ROWS THAN 200s'})`);
  if (!NO_WORKER) {
    rounds.forEach((r, i) => {
      const label = ROUNDS > 1 ? ` #${i + 1}` : '';
      const rate = (events: number, seconds: number) => `${(events / seconds).toFixed(0)} events/s`;
      const left = r.stored - r.processedAtLoadEnd;
      // While the receiver is busy the workers of ROLE=all give it the cores (WORKER_SHARE_UNDER_LOAD) and
      // catch up after the burst: their speed is what they drain at, against what arrived.
      console.log(`processed during the load${label}: ${r.processedAtLoadEnd} of ${r.stored} (${rate(r.processedAtLoadEnd, r.loadSeconds)})`);
      // Less than a second of arrivals left: the workers kept pace, and the tail's rate would say nothing.
      console.log(
        left > r.arrival
          ? `drained after the load${label}:   ${left} in ${r.drainSeconds.toFixed(1)} s, ${rate(left, r.drainSeconds)} vs ${r.arrival.toFixed(0)} events/s arriving (target: at least as fast)`
          : `drained after the load${label}:   the last ${left}, ${r.drainSeconds.toFixed(1)} s after it (the workers kept pace with ${r.arrival.toFixed(0)} events/s arriving)`,
      );
    });
  }
  if (!durable) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
