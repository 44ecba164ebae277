/**
 * npm run bench [-- --duration 10 --warmup 3 --connections 64 --rounds 1 --role all|api --no-worker]
 * npm run bench -- --rates 2000,4000,6000,8000 [--rate-duration 20 --rate-connections 512 --warmup 3 --rounds 1]
 * npm run bench -- --rates 10%,20%,25%,30%   (percentages of bare node:http's throughput, measured first)
 *
 * Burst mode (the default): posts realistic, distinct SocketLabs events at the receiver with concurrent
 * keep-alive connections for a fixed time and prints accepted events/s and p50/p99 latency; the same for a
 * bare node:http endpoint in the same run, before and after each receiver run (the ratio to their mean is the
 * cost of the pipeline: auth, dedupe key, group-committed INSERT, enqueue, and the workers on the same cores);
 * then what the workers processed during the load, how fast they drain the rest after it, and whether every
 * acknowledged event was committed.
 *
 * Fixed-rate mode (`--rates`): open-loop load (bench-open-loop.ts: requests sent on a schedule, latency from
 * the scheduled time) at each rate for `--rate-duration` seconds, against bare node:http and then against the
 * receiver, the workers' backlog drained before each rate. For each rate: the rate reached, p50/p99, non-200s,
 * the events still unprocessed when the load stops and the time to drain them. The sustained capacity is the
 * highest rate reached within 5 % of its target with p99 <= 25 ms and at most one second of arrivals left
 * unprocessed at the end; it is printed with its ratio to bare node:http's throughput (closed loop, as in
 * burst mode, measured before and after). With `--rounds N` the ladder of rates runs N times, each time on a fresh
 * service and database, and a rate counts as sustained when more than half of its runs met the criteria: on a
 * shared machine one 20 s run can miss or meet them by chance (docs/benchmarks.md).
 *
 * The service runs as `npm start` runs it (ROLE=all: receiver and workers share the machine). Each endpoint gets
 * a few seconds of load first that are not measured (JIT warm-up, connection pools, the worker thread starting).
 */
import autocannon from 'autocannon';
import { fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { deleteRedisKeys } from '../test/utils/redis-keys';
import { freePort, ServiceProcess } from '../test/utils/service-process';
import { benchEvent } from './bench-event';
import type { OpenLoopOptions, OpenLoopResult } from './bench-open-loop';
import { pendingEvents, storedEvents } from './bench-schema';

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
/**
 * Burst mode: receiver runs, each between two bare runs; the summary gives medians (the machine's speed drifts between
 * runs). Fixed-rate mode: runs of the whole ladder of rates, each on a fresh service.
 */
const ROUNDS = Math.max(1, arg('rounds', 1));
const RATES_INDEX = args.indexOf('--rates');
/** Fixed-rate mode: requests/s, or `N%` of bare node:http's throughput. */
const RATES =
  RATES_INDEX >= 0
    ? args[RATES_INDEX + 1]
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
    : undefined;
const RATE_DURATION = arg('rate-duration', 20);
/** Sockets the open-loop generator may open; due requests beyond them wait (and their wait counts). */
const RATE_CONNECTIONS = arg('rate-connections', 512);
/** Seconds to wait for the workers to drain the backlog after a rate before giving up. */
const DRAIN_TIMEOUT = arg('drain-timeout', 120);
/** The sustained-capacity criteria (issue 9). */
const SUSTAINED = { reachedWithin: 0.05, p99Ms: 25, backlogSeconds: 1 };
const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB_NAME = 'socketlabs_gateway_bench';
const SECRET = 'bench-secret-key';

let counter = 0;
const event = () => benchEvent(counter++, 'autocannon', SECRET);

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
  const run = spawnSync(
    'wrk',
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', join(__dirname, 'bench-events.lua'), url, '--', SECRET, tag],
    { encoding: 'utf8' },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk failed: ${run.stderr || run.stdout}`);
  const r = JSON.parse(line.slice('WRK_RESULT '.length)) as {
    requests: number;
    seconds: number;
    non2xx: number;
    errors: number;
    p50: number;
    p99: number;
  };
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
  return {
    requests: result.requests.total,
    ok,
    rps: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
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

interface Bench {
  url: string;
  db: Client;
  stop(): Promise<void>;
}

/** The service on a fresh database and its own queue prefix (both removed by `stop`), started as `npm start` starts it. */
async function startService(): Promise<Bench> {
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
    // Worker settings to compare can be passed through: WORKER_CONCURRENCY=2 WORKER_THREAD_NICE=0 npm run bench
    ...Object.fromEntries(
      ['WORKER_CONCURRENCY', 'WORKER_THREAD_NICE'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!]),
    ),
  };
  const service = new ServiceProcess(serviceEnv, true);
  await service.start();
  const worker =
    ROLE === 'api' && !NO_WORKER
      ? new ServiceProcess({ ...serviceEnv, ROLE: 'worker', LOG_LEVEL: 'log', PORT: String(await freePort()) }, true)
      : undefined;
  await worker?.start();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    url: `${service.baseUrl}/webhooks/socketlabs`,
    db,
    async stop() {
      await service.kill('SIGTERM');
      await worker?.kill('SIGTERM');
      await db.end();
      await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
      await deleteRedisKeys(redisUrl, queuePrefix);
    },
  };
}

/** Waits until the workers have processed every stored event (none with --no-worker); resolves with the seconds it took. */
async function drain(db: Client, timeoutSeconds = DRAIN_TIMEOUT): Promise<number> {
  const started = Date.now();
  while (!NO_WORKER && (await pendingEvents(db)) > 0) {
    if (Date.now() - started > timeoutSeconds * 1000)
      throw new Error(`the workers did not drain the backlog in ${timeoutSeconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return (Date.now() - started) / 1000;
}

/** One measured receiver run on a fresh database and its own queue prefix (both removed after the run). */
async function measureReceiver(): Promise<Round> {
  const bench = await startService();
  const { db } = bench;
  try {
    const count = async () => {
      const total = await storedEvents(db);
      return { total, done: total - (await pendingEvents(db)) };
    };
    if (WARMUP > 0) {
      await load(bench.url, event, 'warmup', WARMUP);
      await drain(db);
    }
    // What the warm-up stored is not part of the measured run's figures.
    const before = await count();
    const started = Date.now();
    const receiver = await load(bench.url, event, `measured-${started}`);
    const loadEnded = Date.now();
    const atLoadEnd = await count();
    await drain(db);
    const now = await count();
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
    await bench.stop();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function burstMode(): Promise<void> {
  console.log(
    `benchmark: ${WRK ? 'wrk (1 thread)' : 'autocannon (install wrk for a lighter load generator)'}, ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s of warm-up, ROLE=${ROLE}${ROLE === 'api' ? (NO_WORKER ? ', no worker' : ' + a ROLE=worker process') : ''}, ${ROUNDS} round(s), load generator on the same machine\n`,
  );

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
  console.log(
    `receiver / bare:            ${percent(median(ratios))} (against the mean of the bare runs around it; target >= 30 %${ROUNDS > 1 ? '; median' : ''})${each(ratios.map(percent))}`,
  );
  const p99s = rounds.map((r) => r.receiver.p99);
  console.log(
    `receiver p99:               ${median(p99s).toFixed(1)} ms (target < 25 ms${ROUNDS > 1 ? '; median' : ''})${each(p99s.map((p) => p.toFixed(1)))}`,
  );
  // Requests still in flight when the load generator stops may be committed without being counted, hence >=.
  const durable = rounds.every((r) => r.stored >= r.receiver.ok);
  const acknowledged = rounds.reduce((sum, r) => sum + r.receiver.ok, 0);
  const stored = rounds.reduce((sum, r) => sum + r.stored, 0);
  console.log(
    `acknowledged events:        ${acknowledged}; rows committed: ${stored} (${durable ? 'every acknowledged event is stored' : 'FEWER ROWS THAN 200s'})`,
  );
  if (!NO_WORKER) {
    rounds.forEach((r, i) => {
      const label = ROUNDS > 1 ? ` #${i + 1}` : '';
      const rate = (events: number, seconds: number) => `${(events / seconds).toFixed(0)} events/s`;
      const left = r.stored - r.processedAtLoadEnd;
      // What the workers processed while the load lasted, and how fast they drained the rest after it.
      console.log(
        `processed during the load${label}: ${r.processedAtLoadEnd} of ${r.stored} (${rate(r.processedAtLoadEnd, r.loadSeconds)})`,
      );
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

/** One open-loop run in a process of its own (bench-open-loop.ts), so that the generator has its own event loop. */
async function openLoop(url: string, rate: number, seconds: number, run: string): Promise<OpenLoopResult> {
  const child = fork(join(__dirname, 'bench-open-loop.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: 'inherit',
  });
  try {
    await new Promise((r) => child.once('message', r));
    const options: OpenLoopOptions = {
      url,
      rate,
      seconds,
      connections: RATE_CONNECTIONS,
      run,
      secret: SECRET,
      drainTimeout: 30,
    };
    const result = new Promise<OpenLoopResult>((resolve, reject) => {
      child.once('message', (m) => resolve(m as OpenLoopResult));
      child.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
    });
    child.send(options);
    return await result;
  } finally {
    child.kill();
  }
}

/** Bare node:http at each rate (after a warm-up at the first), in one server process. */
async function bareAtRates(rates: number[]): Promise<OpenLoopResult[]> {
  const port = await freePort();
  const bare = fork(join(__dirname, 'bench-bare-server.js'), [String(port)], { stdio: 'ignore' });
  try {
    await new Promise((r) => bare.once('message', r));
    const url = `http://127.0.0.1:${port}/`;
    if (WARMUP > 0) await openLoop(url, rates[0], WARMUP, 'bare-warmup');
    const results: OpenLoopResult[] = [];
    for (const rate of rates) results.push(await openLoop(url, rate, RATE_DURATION, `bare-${rate}`));
    return results;
  } finally {
    bare.kill();
  }
}

interface RateRun {
  load: OpenLoopResult;
  /** Events stored and not processed yet when the last answer arrived. */
  unprocessed: number;
  /** From then until none was left. */
  drainSeconds: number;
  /** Rows stored by the run (>= its 200s). */
  stored: number;
}

function sustained(r: OpenLoopResult, unprocessed: number): boolean {
  return (
    r.reached >= r.rate * (1 - SUSTAINED.reachedWithin) &&
    r.p99 <= SUSTAINED.p99Ms &&
    unprocessed <= r.reached * SUSTAINED.backlogSeconds
  );
}

/** The run of median p99 (the lower middle one of an even count). */
function medianRun(runs: RateRun[]): RateRun {
  return [...runs].sort((a, b) => a.load.p99 - b.load.p99)[Math.floor((runs.length - 1) / 2)];
}

async function rateMode(rateArgs: string[]): Promise<void> {
  console.log(
    `benchmark, fixed rates: open-loop generator (bench-open-loop.ts: Node, raw keep-alive sockets, up to ${RATE_CONNECTIONS}, latency from the scheduled send time), ` +
      `${RATE_DURATION} s per rate after ${WARMUP} s of warm-up; bare throughput closed loop with ${WRK ? 'wrk (1 thread)' : 'autocannon'}, ${CONNECTIONS} connections, ${DURATION} s; ` +
      `ROLE=${ROLE}${ROLE === 'api' ? (NO_WORKER ? ', no worker' : ' + a ROLE=worker process') : ''}; ${ROUNDS} round(s); load generator on the same machine\n`,
  );
  const bareBefore = await measureBare('bare-0');
  const rates = rateArgs.map((r) => {
    const rate = r.endsWith('%') ? Math.round((bareBefore.rps * Number(r.slice(0, -1))) / 100) : Number(r);
    if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rates: ${r} is neither a rate nor a percentage`);
    return rate;
  });
  rates.sort((a, b) => a - b);
  const bare = await bareAtRates(rates);

  const rounds: RateRun[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const runs: RateRun[] = [];
    const bench = await startService();
    try {
      if (WARMUP > 0) await openLoop(bench.url, rates[0], WARMUP, 'warmup');
      for (const rate of rates) {
        // Each rate starts with no backlog, so that one rate's leftovers do not slow the next.
        await drain(bench.db);
        const storedBefore = await storedEvents(bench.db);
        const load = await openLoop(bench.url, rate, RATE_DURATION, `rate-${rate}-${Date.now()}`);
        const unprocessed = NO_WORKER ? 0 : await pendingEvents(bench.db);
        const drainSeconds = await drain(bench.db);
        runs.push({ load, unprocessed, drainSeconds, stored: (await storedEvents(bench.db)) - storedBefore });
        console.log(
          `  ${ROUNDS > 1 ? `round ${round}, ` : ''}${rate}/s: reached ${load.reached.toFixed(0)}/s, p99 ${load.p99.toFixed(1)} ms, ${unprocessed} unprocessed at the end`,
        );
      }
    } finally {
      await bench.stop();
    }
    rounds.push(runs);
  }
  const bareAfter = await measureBare('bare-after');
  const bareRps = (bareBefore.rps + bareAfter.rps) / 2;

  const n = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
  console.log('');
  console.log(
    `bare node:http, closed loop: ${n(bareBefore.rps)}/s before, ${n(bareAfter.rps)}/s after (p99 ${n(bareBefore.p99, 1)} / ${n(bareAfter.p99, 1)} ms); mean ${n(bareRps)}/s\n`,
  );
  console.log(
    `| target/s | % of bare | bare reached/s | bare p50 / p99 ms |${ROUNDS > 1 ? ' round |' : ''} receiver reached/s | p50 ms | p99 ms | non-200 | unprocessed at end | drain s | sustained |`,
  );
  console.log(
    `|---------:|----------:|---------------:|------------------:|${ROUNDS > 1 ? '------:|' : ''}-------------------:|-------:|-------:|--------:|-------------------:|--------:|:---------:|`,
  );
  const rows = rates.flatMap((_, i) => rounds.map((runs, round) => ({ r: runs[i], b: bare[i], round: round + 1 })));
  rows.forEach(({ r, b, round }) => {
    const l = r.load;
    console.log(
      `| ${String(l.rate).padStart(8)} | ${n((l.rate / bareRps) * 100, 1).padStart(7)} % | ${n(b.reached).padStart(14)} | ${`${n(b.p50, 1)} / ${n(b.p99, 1)}`.padStart(17)} ` +
        (ROUNDS > 1 ? `| ${String(round).padStart(5)} ` : '') +
        `| ${n(l.reached).padStart(18)} | ${n(l.p50, 1).padStart(6)} | ${n(l.p99, 1).padStart(6)} | ${String(l.non200 + l.errors).padStart(7)} ` +
        `| ${String(r.unprocessed).padStart(18)} | ${n(r.drainSeconds, 1).padStart(7)} | ${sustained(l, r.unprocessed) ? 'yes' : 'no'.padStart(5)} |`,
    );
  });
  console.log('');
  // The generator is only trusted where it could drive bare node:http at the rate: otherwise it, or the machine, is the limit.
  const generatorShort = bare.filter((b) => !sustained(b, 0)).map((b) => b.rate);
  if (generatorShort.length) {
    console.log(
      `WARNING: bare node:http itself missed the criteria at ${generatorShort.join(', ')}/s: the generator or the machine is the limit there, not the service.`,
    );
  }
  const cpu = bare.map((b) => b.cpuPerRequest);
  console.log(
    `generator: ${n(Math.min(...cpu))}-${n(Math.max(...cpu))} us of CPU per request; its send lag (p99, against bare): ${bare.map((b) => n(b.sendLagP99, 1)).join(', ')} ms`,
  );
  // A rate is sustained when more than half of its runs met the criteria; its figures: the median of those runs.
  const byRate = rates.map((_, i) => rounds.map((runs) => runs[i]));
  const metByRate = byRate.map((runs) => runs.filter((r) => sustained(r.load, r.unprocessed)));
  const passing = metByRate.filter((met) => met.length * 2 > ROUNDS);
  const best = passing.length ? medianRun(passing[passing.length - 1]) : undefined;
  if (ROUNDS > 1) {
    byRate.forEach((runs, i) =>
      console.log(
        `${rates[i]}/s over ${ROUNDS} rounds: met the criteria in ${metByRate[i].length}; p99 ${runs.map((r) => n(r.load.p99, 1)).join(', ')} ms (median ${n(medianRun(runs).load.p99, 1)})`,
      ),
    );
  }
  console.log(
    best
      ? `sustained capacity:  ${n(best.load.reached)}/s = ${n((best.load.reached / bareRps) * 100, 1)} % of bare (target >= 25 %; at the ${best.load.rate}/s step${ROUNDS > 1 ? ', the median of the runs that met the criteria' : ''}: p99 ${n(best.load.p99, 1)} ms, ${best.unprocessed} unprocessed at the end)`
      : `sustained capacity:  none of the rates (reached within ${SUSTAINED.reachedWithin * 100} %, p99 <= ${SUSTAINED.p99Ms} ms, at most ${SUSTAINED.backlogSeconds} s of arrivals unprocessed at the end${ROUNDS > 1 ? ', in more than half of the rounds' : ''})`,
  );
  const all = rounds.flat();
  const durable = all.every((r) => r.stored >= r.load.ok);
  const acknowledged = all.reduce((sum, r) => sum + r.load.ok, 0);
  const stored = all.reduce((sum, r) => sum + r.stored, 0);
  console.log(
    `acknowledged events: ${acknowledged}; rows committed: ${stored} (${durable ? 'every acknowledged event is stored' : 'FEWER ROWS THAN 200s'})`,
  );
  if (!durable) process.exitCode = 1;
}

(RATES ? rateMode(RATES) : burstMode()).catch((err) => {
  console.error(err);
  process.exit(1);
});
