/**
 * npm run bench:reads [-- --requests 30 --warmup 3 --only <regexp>]
 *
 * Times the read API on a large database (DATABASE_URL, filled by `npm run seed:scale`): starts the service on it
 * as `npm run bench` does (`npm start`'s node flags, an admin API key) but as ROLE=api, without the workers: they
 * would process the backlog the seed left (and state=pending would list nothing on the next run), then asks every list, filter, paging and
 * statistics endpoint of the events, messages and suppressions APIs `--requests` times each, one request at a
 * time after `--warmup` unmeasured ones, and prints p50/p95 per endpoint, flagging those above 50 ms (the goal
 * at 10 M events). The filter values are real ones read from the database, the same at every run on the same data
 * (an event of the middle day; the least common server); `state=pending` and `state=failed`
 * list the backlog seed:scale leaves. `--only` times the endpoints whose name matches. Rate limits are off for the
 * run (a thousand requests a minute would meet them). It measures: the exit code is 0 whatever the figures (1 only
 * when the service cannot be started or the database has no data).
 */
import 'dotenv/config';
import { Client } from 'pg';
import { deleteRedisKeys } from '../test/utils/redis-keys';
import { freePort, ServiceProcess } from '../test/utils/service-process';
import { readSamples, ReadSamples, tableSizes, TableSize } from './bench-schema';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REQUESTS = Math.max(1, arg('requests', 30));
const WARMUP = arg('warmup', 3);
const ONLY = args.includes('--only') ? new RegExp(args[args.indexOf('--only') + 1], 'i') : undefined;
const LIMIT_MS = 50;
const ADMIN_KEY = 'bench-admin-key-0123456789';

/** Every read to time: a name and a path under /api/v1. */
function reads(s: ReadSamples): [string, string][] {
  const day = s.day;
  const next = new Date(new Date(day).getTime() + 86_400_000).toISOString();
  const q = encodeURIComponent;
  const window = `from=${q(day)}&to=${q(next)}`;
  return [
    ['events (first page)', '/events?pageSize=50'],
    ['events type=Delivered', '/events?type=Delivered'],
    ['events type=Complaint', '/events?type=Complaint'],
    ['events trackingType=open', '/events?trackingType=open'],
    ['events trackingType=unsubscribe', '/events?trackingType=unsubscribe'],
    ['events address', `/events?address=${q(s.address)}`],
    ['events messageId', `/events?messageId=${q(s.messageId)}`],
    ['events mailingId', `/events?mailingId=${q(s.mailingId)}`],
    ['events serverId', `/events?serverId=${s.serverId}`],
    ['events subaccountId', `/events?subaccountId=${s.subaccountId}`],
    ['events failureType=permanent', '/events?failureType=permanent'],
    ['events state=processed', '/events?state=processed'],
    ['events state=pending', '/events?state=pending'],
    ['events state=failed', '/events?state=failed'],
    ['events one day', `/events?${window}`],
    ['events one day type=Failed', `/events?${window}&type=Failed`],
    ['events pageNumber=1000', '/events?pageNumber=1000&pageSize=50'],
    ['events sortDirection=asc', '/events?sortDirection=asc'],
    ['events sortField=receivedAt', '/events?sortField=receivedAt'],
    ['events sortField=id asc', '/events?sortField=id&sortDirection=asc'],
    ['events type=Delivered pageNumber=1000', '/events?type=Delivered&pageNumber=1000'],
    ['events mailingId sortField=receivedAt', `/events?mailingId=${q(s.mailingId)}&sortField=receivedAt`],
    ['events type=Delivered&trackingType=open', '/events?type=Delivered&trackingType=open'],
    ['events/:id', `/events/${s.eventId}`],
    ['events/stats (all time)', '/events/stats'],
    ['events/stats one day', `/events/stats?${window}`],
    ['events/feed from 0', '/events/feed?limit=100'],
    ['events/feed from the end', s.feedEnd ? `/events/feed?limit=100&after=${q(s.feedEnd)}` : '/events/feed?limit=100'],
    ['messages (first page)', '/messages'],
    ['messages status=failed', '/messages?status=failed'],
    ['messages status=complained', '/messages?status=complained'],
    ['messages status=delivered', '/messages?status=delivered'],
    ['messages messageId', `/messages?messageId=${q(s.messageId)}`],
    ['messages address', `/messages?address=${q(s.messageAddress)}`],
    ['messages mailingId', `/messages?mailingId=${q(s.mailingId)}`],
    ['messages serverId', `/messages?serverId=${s.serverId}`],
    ['messages subaccountId', `/messages?subaccountId=${s.subaccountId}`],
    ['messages pageNumber=1000', '/messages?pageNumber=1000'],
    ['messages sortField=statusAt asc', '/messages?sortField=statusAt&sortDirection=asc'],
    ['messages mailingId sortField=statusAt', `/messages?mailingId=${q(s.mailingId)}&sortField=statusAt`],
    ['messages/:id', `/messages/${s.messageRowId}`],
    ['suppressions (first page)', '/suppressions'],
    ['suppressions reason=complaint', '/suppressions?reason=complaint'],
    ['suppressions sortField=updatedAt', '/suppressions?sortField=updatedAt'],
    [
      'suppressions address (list)',
      s.suppressedAddress
        ? `/suppressions?address=${q(s.suppressedAddress)}`
        : '/suppressions?address=nobody%40example.com',
    ],
    ['suppressions/:address', `/suppressions/${q(s.suppressedAddress ?? 'nobody@example.com')}`],
  ];
}

async function time(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { 'x-api-key': ADMIN_KEY } });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (the database seeded by npm run seed:scale)');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  let samples: ReadSamples;
  let sizes: TableSize[];
  try {
    samples = await readSamples(db);
    sizes = await tableSizes(db);
  } finally {
    await db.end();
  }

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `{slgw-bench-reads-${Date.now()}}`;
  const service = new ServiceProcess(
    {
      NODE_ENV: 'production',
      // Reads only: workers would drain the seeded backlog and compete with the API for the two cores.
      ROLE: 'api',
      PORT: String(await freePort()),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      WEBHOOK_SECRET_KEY: 'bench-secret-key',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MINUTE: '0',
    },
    true,
  );
  await service.start(120_000);
  const rows: { name: string; p50: number; p95: number; statuses: string }[] = [];
  try {
    console.log(
      `read API on ${new URL(databaseUrl).pathname.slice(1)} (about ${sizes.map((t) => `${t.rows} ${t.name} (${(t.bytes / 1024 ** 3).toFixed(2)} GB)`).join(', ')}): ` +
        `${REQUESTS} requests per endpoint, one at a time, after ${WARMUP} warm-ups`,
    );
    console.log(`samples: ${JSON.stringify(samples)}\n`);
    for (const [name, path] of reads(samples).filter(([name]) => !ONLY || ONLY.test(name))) {
      const url = `${service.baseUrl}/api/v1${path}`;
      for (let i = 0; i < WARMUP; i++) await time(url);
      const times: number[] = [];
      const statuses = new Map<number, number>();
      for (let i = 0; i < REQUESTS; i++) {
        const t = await time(url);
        times.push(t.ms);
        statuses.set(t.status, (statuses.get(t.status) ?? 0) + 1);
      }
      times.sort((a, b) => a - b);
      const pick = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
      rows.push({
        name,
        p50: pick(0.5),
        p95: pick(0.95),
        statuses: [...statuses].map(([s, n]) => (statuses.size > 1 ? `${s} x${n}` : String(s))).join(', '),
      });
    }
  } finally {
    await service.kill('SIGTERM');
    await deleteRedisKeys(redisUrl, queuePrefix);
  }

  console.log(`| ${'endpoint'.padEnd(40)} | p50 ms | p95 ms | status | over ${LIMIT_MS} ms |`);
  console.log(`|${'-'.repeat(42)}|-------:|-------:|-------:|:--------:|`);
  for (const r of rows) {
    console.log(
      `| ${r.name.padEnd(40)} | ${r.p50.toFixed(1).padStart(6)} | ${r.p95.toFixed(1).padStart(6)} | ${r.statuses.padStart(6)} | ${r.p95 > LIMIT_MS ? 'OVER' : ''.padEnd(4)} |`,
    );
  }
  const over = rows.filter((r) => r.p95 > LIMIT_MS);
  console.log(
    `\n${over.length} of ${rows.length} endpoints with p95 over ${LIMIT_MS} ms${over.length ? `: ${over.map((r) => r.name).join(', ')}` : ''}`,
  );
  const failed = rows.filter((r) => !/^(200|404)$/.test(r.statuses));
  if (failed.length)
    console.log(`answers other than 200/404: ${failed.map((r) => `${r.name} (${r.statuses})`).join(', ')}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
