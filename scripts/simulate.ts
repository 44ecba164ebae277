/**
 * npm run simulate [-- --messages 100 --rate 20 --duplicates 0.1 --form 0.2 --url http://127.0.0.1:3000 --api-key KEY]
 *
 * Plays SocketLabs against a RUNNING service, so the whole product can be seen working without a SocketLabs
 * account: registers a receiver endpoint (POST /api/v1/webhook-endpoints, with a generated secret), performs
 * the Validation handshake, then posts the life of N messages as SocketLabs would, at a chosen rate:
 *
 *   - every event type: Queued, Deferred, Delivered, Failed (Permanent, Temporary, Suppressed, and an
 *     out-of-office auto-reply), Tracking (open, click, unsubscribe), Complaint, and a type the service does
 *     not know (SocketLabs adds types; they must be stored, not refused);
 *   - both encodings: JSON (ISO 8601 dates with 7 fractional digits, Data.Meta as an array, a single object
 *     or a key/value map) and the legacy form encoding (every value a string, RFC 1123 dates, no Data);
 *   - SocketLabs' habits: re-posts of events already delivered (it retries for days and has no event id),
 *     events of a message out of order, and asynchronous bounces (Failed after Delivered) at the very end.
 *
 * Then it waits until the workers have processed everything (GET /api/v1/events/stats: pending 0) and prints
 * what it posted next to what the service now reports: stored events, messages by status, suppressions by
 * reason, each with the value this run should produce. Exit code 0 when everything matches; 1 when an event was
 * refused, processing did not finish or a figure differs; 2 when the service cannot be reached or used.
 *
 * Options (flag, or environment variable):
 *   --url           SIMULATE_URL          the service (default http://127.0.0.1:3000)
 *   --api-key       ADMIN_API_KEY         an admin API key (creates the endpoint; reads events and messages)
 *   --rate          SIMULATE_RATE         events per second (default 20)
 *   --messages      SIMULATE_MESSAGES     messages to simulate (default 100; 12 or more shows every scenario)
 *   --duplicates    SIMULATE_DUPLICATES   fraction of events posted twice (default 0.1)
 *   --form          SIMULATE_FORM         fraction of events posted form-encoded (default 0.2)
 *   --seed          SIMULATE_SEED         random seed, to replay a run exactly (default: random, printed)
 *   --wait-timeout  SIMULATE_WAIT_TIMEOUT seconds to wait for processing (default 120)
 *   --json          print the summary as JSON on stdout (the narration goes to stderr)
 */
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

// ---- Options -------------------------------------------------------------------------------------

interface Options {
  url: string;
  apiKey: string;
  rate: number;
  messages: number;
  duplicates: number;
  form: number;
  seed: number;
  waitTimeoutSeconds: number;
  json: boolean;
}

class UsageError extends Error {}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === '--json' || arg === '--help') flags.set(arg.slice(2), 'true');
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  const known = ['url', 'api-key', 'rate', 'messages', 'duplicates', 'form', 'seed', 'wait-timeout', 'json', 'help'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
  if (flags.has('help')) throw new UsageError('');

  const pick = (flag: string, envName: string) => flags.get(flag) ?? env[envName] ?? undefined;
  const number = (flag: string, envName: string, fallback: number, check: (n: number) => boolean, what: string) => {
    const raw = pick(flag, envName);
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} must be ${what} (got ${raw})`);
    return n;
  };
  const fraction = (n: number) => n >= 0 && n <= 1;
  const apiKey = pick('api-key', 'ADMIN_API_KEY');
  if (!apiKey)
    throw new UsageError('an admin API key is needed: --api-key KEY, or ADMIN_API_KEY in the environment or .env');
  return {
    url: (pick('url', 'SIMULATE_URL') ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    apiKey,
    rate: number('rate', 'SIMULATE_RATE', 20, (n) => n > 0 && n <= 100_000, 'a positive number of events per second'),
    messages: number(
      'messages',
      'SIMULATE_MESSAGES',
      100,
      (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000,
      'a whole number from 1',
    ),
    duplicates: number('duplicates', 'SIMULATE_DUPLICATES', 0.1, fraction, 'a fraction between 0 and 1'),
    form: number('form', 'SIMULATE_FORM', 0.2, fraction, 'a fraction between 0 and 1'),
    seed: number(
      'seed',
      'SIMULATE_SEED',
      randomBytes(4).readUInt32BE(0),
      (n) => Number.isInteger(n) && n >= 0,
      'a whole number',
    ),
    waitTimeoutSeconds: number(
      'wait-timeout',
      'SIMULATE_WAIT_TIMEOUT',
      120,
      (n) => n > 0,
      'a positive number of seconds',
    ),
    json: flags.get('json') === 'true',
  };
}

// ---- Scenarios: the life of one message, and what the service should make of it ------------------

type MessageStatus = 'queued' | 'deferred' | 'delivered' | 'failed' | 'suppressed' | 'complained';
type SuppressionReason = 'complaint' | 'permanent_failure' | 'unsubscribe';
const STATUSES: MessageStatus[] = ['queued', 'deferred', 'delivered', 'failed', 'suppressed', 'complained'];
const REASONS: SuppressionReason[] = ['complaint', 'permanent_failure', 'unsubscribe'];

type Step =
  | 'queued'
  | 'deferred'
  | 'delivered'
  | 'open'
  | 'click'
  | 'unsubscribe'
  | 'complaint'
  | 'bouncePermanent'
  | 'expiredTemporary'
  | 'suppressed'
  | 'autoReply'
  | 'lateBounce';

interface Scenario {
  name: string;
  weight: number;
  /** Steps and their minutes after queueing. */
  steps: Array<[Step, number]>;
  status: MessageStatus;
  suppression?: SuppressionReason;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'delivered',
    weight: 30,
    steps: [
      ['queued', 0],
      ['delivered', 1],
    ],
    status: 'delivered',
  },
  {
    name: 'delivered, opened and clicked',
    weight: 20,
    steps: [
      ['queued', 0],
      ['delivered', 1],
      ['open', 42],
      ['open', 185],
      ['click', 44],
    ],
    status: 'delivered',
  },
  {
    name: 'greylisted, then delivered',
    weight: 8,
    steps: [
      ['queued', 0],
      ['deferred', 1],
      ['delivered', 16],
    ],
    status: 'delivered',
  },
  {
    name: 'still deferred',
    weight: 4,
    steps: [
      ['queued', 0],
      ['deferred', 1],
      ['deferred', 31],
    ],
    status: 'deferred',
  },
  {
    name: 'hard bounce (unknown user)',
    weight: 8,
    steps: [
      ['queued', 0],
      ['bouncePermanent', 1],
    ],
    status: 'failed',
    suppression: 'permanent_failure',
  },
  {
    name: 'expired after 4 days in the queue',
    weight: 3,
    steps: [
      ['queued', 0],
      ['deferred', 1],
      ['expiredTemporary', 5760],
    ],
    status: 'failed',
  },
  {
    name: 'not sent: address already suppressed',
    weight: 4,
    steps: [
      ['queued', 0],
      ['suppressed', 0.2],
    ],
    status: 'suppressed',
  },
  {
    name: 'opened, then unsubscribed',
    weight: 5,
    steps: [
      ['queued', 0],
      ['delivered', 1],
      ['open', 95],
      ['unsubscribe', 97],
    ],
    status: 'delivered',
    suppression: 'unsubscribe',
  },
  {
    name: 'spam complaint',
    weight: 3,
    steps: [
      ['queued', 0],
      ['delivered', 1],
      ['open', 300],
      ['complaint', 302],
    ],
    status: 'complained',
    suppression: 'complaint',
  },
  {
    name: 'out-of-office auto-reply',
    weight: 5,
    steps: [
      ['queued', 0],
      ['delivered', 1],
      ['autoReply', 2],
    ],
    status: 'delivered',
  },
  { name: 'still queued', weight: 3, steps: [['queued', 0]], status: 'queued' },
  {
    name: 'delivered, then bounced asynchronously',
    weight: 7,
    steps: [
      ['queued', 0],
      ['delivered', 1],
      ['lateBounce', 720],
    ],
    status: 'failed',
    suppression: 'permanent_failure',
  },
];

/** A type SocketLabs might add one day: stored and counted as unknown, never refused. One per 25 messages. */
const UNKNOWN_TYPE = 'Engagement';

// ---- Event payloads --------------------------------------------------------------------------------

const SERVER_ID = 16332;
const IP_POOL_ID = 12;
const FROM = 'news@example.org';
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36';

type Fields = Record<string, unknown>;

interface MessageInfo {
  index: number;
  messageId: string;
  address: string;
  mailingId: string;
  scenario: Scenario;
}

/** The event SocketLabs would post for one step (without SecretKey), JSON-shaped. */
function eventFor(step: Step | 'unknown', m: MessageInfo, at: Date, rnd: () => number): Fields {
  const type: Record<Step | 'unknown', string> = {
    queued: 'Queued',
    deferred: 'Deferred',
    delivered: 'Delivered',
    open: 'Tracking',
    click: 'Tracking',
    unsubscribe: 'Tracking',
    complaint: 'Complaint',
    bouncePermanent: 'Failed',
    expiredTemporary: 'Failed',
    suppressed: 'Failed',
    autoReply: 'Failed',
    lateBounce: 'Failed',
    unknown: UNKNOWN_TYPE,
  };
  const e: Fields = {
    Type: type[step],
    DateTime: iso7(at, rnd),
    MailingId: m.mailingId,
    MessageId: m.messageId,
    Address: m.address,
    ServerId: SERVER_ID,
    SubaccountId: SERVER_ID,
  };
  const failed = (FailureType: string, FailureCode: number, Reason: string, extra: Fields = {}) =>
    Object.assign(e, {
      IpPoolId: IP_POOL_ID,
      FromAddress: FROM,
      FailureType,
      FailureCode,
      Reason,
      RemoteMta: 'mx1.example.com',
      ...extra,
    });
  switch (step) {
    case 'queued':
      Object.assign(e, { FromAddress: FROM, Subject: `Your weekly digest #${m.index}`, MessageSize: 18000 + m.index });
      break;
    case 'deferred':
      Object.assign(e, {
        IpPoolId: IP_POOL_ID,
        FromAddress: FROM,
        DeferralCode: 3003,
        Reason: '451 4.7.1 Greylisted, please try again later In response to the RCPT TO command.',
      });
      break;
    case 'delivered':
      Object.assign(e, {
        IpPoolId: IP_POOL_ID,
        Response: `250 2.0.0 Ok: queued as ${randomId(rnd, 12)}\r\n`,
        LocalIp: '10.50.176.1',
        RemoteMta: 'mx1.example.com',
      });
      break;
    case 'open':
    case 'click':
    case 'unsubscribe':
      Object.assign(e, {
        TrackingType: step === 'click' ? 0 : step === 'open' ? 1 : 2,
        UserAgent: USER_AGENT,
        ClientIp: '203.0.113.45',
      });
      if (step === 'click')
        Object.assign(e, { Url: `https://example.org/digest/${m.index}?utm_source=email`, Tag: 'Header' });
      if (step === 'unsubscribe') e.Url = 'https://example.org/unsubscribe';
      break;
    case 'complaint': {
      // The availability matrix: no SubaccountId and no Data on complaints.
      delete e.SubaccountId;
      Object.assign(e, {
        FblType: 'abuse',
        UserAgent: 'Yahoo!-Mail-Feedback/1.0',
        From: 'feedback@yahoo.example',
        To: 'fbl@email-od.com',
        Length: 495,
      });
      break;
    }
    case 'bouncePermanent':
      failed(
        'Permanent',
        2001,
        '550 5.1.1 The email account that you tried to reach does not exist In response to the RCPT TO command.',
        {
          BounceStatus: '5.1.1',
          DiagnosticCode: 'smtp; 550 5.1.1 The email account that you tried to reach does not exist.',
        },
      );
      break;
    case 'expiredTemporary':
      failed('Temporary', 3001, '452 4.2.2 Mailbox full. Message expired after being in queue for 4.00 days.');
      break;
    case 'suppressed':
      failed('Suppressed', 2004, 'The address is on the suppression list (it bounced before).');
      delete e.RemoteMta;
      break;
    case 'autoReply':
      failed('Temporary', 5001, 'Out of office: I am away until Monday.');
      break;
    case 'lateBounce':
      failed('Permanent', 2004, 'The email account that you tried to reach is disabled.', {
        BounceStatus: '5.2.1',
        DiagnosticCode: 'smtp; 550 5.2.1 The email account is disabled.',
      });
      break;
    case 'unknown':
      Object.assign(e, { Kind: 'amp-form-submit', ClientIp: '203.0.113.45' });
      break;
  }
  return e;
}

/** Data.Meta in the shapes SocketLabs' documents show (docs/socketlabs-wire-format.md 1.7), or no Data at all. */
function withData(e: Fields, m: MessageInfo, shape: number): Fields {
  if (e.Type === 'Complaint') return e;
  const tags = ['simulate', 'digest'];
  switch (shape % 5) {
    case 0:
      return {
        ...e,
        Data: {
          Meta: [
            { Key: 'x-campaign', Value: 'weekly-digest' },
            { Key: 'x-message-number', Value: String(m.index) },
          ],
          Tags: tags,
        },
      };
    case 1:
      return { ...e, Data: { Meta: { Key: 'x-campaign', Value: 'weekly-digest' }, Tags: tags } };
    case 2:
      return {
        ...e,
        Data: { Meta: { 'x-campaign': 'weekly-digest', 'x-message-number': String(m.index) }, Tags: tags },
      };
    case 3:
      return { ...e, Data: null };
    default:
      return e;
  }
}

/** The legacy form encoding: every value a string, RFC 1123 dates, enums as numbers, 2013 spellings, no Data. */
function formFields(e: Fields): Record<string, string> {
  const failureType: Record<string, string> = { Temporary: '0', Permanent: '1', Suppressed: '2' };
  const rename: Record<string, string> = {
    RemoteMta: 'RemoteMTA',
    UserAgent: e.Type === 'Complaint' ? 'User-Agent' : 'UserAgent',
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(e)) {
    if (key === 'Data' || value === undefined) continue;
    const name = rename[key] ?? key;
    if (key === 'DateTime') out[name] = new Date(value as string).toUTCString();
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a field of an event: a string or a number
    else if (key === 'FailureType') out[name] = failureType[value as string] ?? String(value);
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a field of an event: a string or a number
    else out[name] = value === null ? '' : String(value);
  }
  return out;
}

/** ISO 8601 with 7 fractional digits, as SocketLabs writes them: 2023-06-12T10:04:56.3694682Z. */
function iso7(at: Date, rnd: () => number): string {
  return at
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}Z`);
}

function randomId(rnd: () => number, length: number): string {
  const chars = '0123456789ABCDEF';
  let s = '';
  for (let i = 0; i < length; i++) s += chars[Math.floor(rnd() * chars.length)];
  return s;
}

/** A small seeded generator (mulberry32), so that `--seed` replays a run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- The plan: every post, in order ----------------------------------------------------------------

interface Post {
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  body: string;
  /** The original, for a re-post. */
  duplicateOf?: Post;
  kind: 'event' | 'duplicate';
  /** Set when it is sent; a re-post waits for its original's answer. */
  sent?: Promise<void>;
}

interface Plan {
  posts: Post[];
  messages: MessageInfo[];
  unique: number;
  json: number;
  form: number;
  duplicates: number;
  lateBounces: number;
  unknown: number;
  outOfOrderMessages: number;
  expectedStatus: Record<MessageStatus, number>;
  expectedSuppressions: Record<SuppressionReason, number>;
  scenarioCounts: Record<string, number>;
}

function buildPlan(opts: Options, runId: string, secretKey: string): Plan {
  const rnd = seeded(opts.seed);
  const mailingId = `sim-${runId}`;
  // Events happened over the last days: the 4-day expiry and the late bounces are still in the past.
  const start = Date.now() - 5 * 24 * 3600_000;
  const totalWeight = SCENARIOS.reduce((s, x) => s + x.weight, 0);
  const pickScenario = (i: number): Scenario => {
    if (i < SCENARIOS.length) return SCENARIOS[i]; // a small run still shows every scenario
    let r = rnd() * totalWeight;
    for (const s of SCENARIOS) if ((r -= s.weight) < 0) return s;
    return SCENARIOS[0];
  };

  const expectedStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
  const expectedSuppressions = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<SuppressionReason, number>;
  const scenarioCounts: Record<string, number> = {};
  const messages: MessageInfo[] = [];
  const main: Array<{ at: number; post: Post }> = [];
  const late: Post[] = [];
  let json = 0;
  let form = 0;
  let unknown = 0;
  let outOfOrderMessages = 0;
  let shape = 0;

  const toPost = (e: Fields, m: MessageInfo): Post => {
    const signed = { ...e, SecretKey: secretKey };
    if (rnd() < opts.form) {
      form++;
      return {
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(formFields(signed)).toString(),
        kind: 'event',
      };
    }
    json++;
    return { contentType: 'application/json', body: JSON.stringify(withData(signed, m, shape++)), kind: 'event' };
  };

  for (let i = 0; i < opts.messages; i++) {
    const scenario = pickScenario(i);
    const m: MessageInfo = {
      index: i,
      messageId: `sim-${runId}-${i}`,
      address: `recipient${i}.${runId}@example.com`,
      mailingId,
      scenario,
    };
    messages.push(m);
    scenarioCounts[scenario.name] = (scenarioCounts[scenario.name] ?? 0) + 1;
    expectedStatus[scenario.status]++;
    if (scenario.suppression) expectedSuppressions[scenario.suppression]++;

    // Messages are queued 7 seconds apart; their events interleave as real traffic does.
    const queuedAt = start + i * 7000;
    const events: Array<{ step: Step | 'unknown'; at: number }> = scenario.steps.map(([step, minutes]) => ({
      step,
      at: queuedAt + minutes * 60_000,
    }));
    if (i % 25 === 0) events.push({ step: 'unknown', at: queuedAt + 50 * 60_000 });
    // The moment each event is posted; about one message in five gets two of its events posted swapped.
    const postAt = events.map((e) => e.at);
    const inMain = events.map((e, k) => k).filter((k) => events[k].step !== 'lateBounce');
    if (inMain.length >= 2 && rnd() < 0.2) {
      const k = Math.floor(rnd() * (inMain.length - 1));
      [postAt[inMain[k]], postAt[inMain[k + 1]]] = [postAt[inMain[k + 1]], postAt[inMain[k]]];
      outOfOrderMessages++;
    }
    events.forEach((e, k) => {
      const post = toPost(eventFor(e.step, m, new Date(e.at), rnd), m);
      if (e.step === 'unknown') unknown++;
      if (e.step === 'lateBounce') late.push(post);
      else main.push({ at: postAt[k], post });
    });
  }

  main.sort((a, b) => a.at - b.at);
  // Asynchronous bounces come in last, hours after their Delivered.
  const posts = [...main.map((x) => x.post), ...late];
  const unique = posts.length;

  // Re-posts: SocketLabs retries an event it believes was not received. Each goes somewhere after its original.
  const count = Math.round(unique * opts.duplicates);
  const chosen = shuffle([...posts.keys()], rnd).slice(0, count);
  const inserts = chosen.map((index) => ({ index, at: index + 1 + Math.floor(rnd() * (unique - index)) }));
  inserts.sort((a, b) => b.at - a.at);
  for (const { index, at } of inserts) {
    const original = posts[index];
    posts.splice(at, 0, {
      contentType: original.contentType,
      body: original.body,
      duplicateOf: original,
      kind: 'duplicate',
    });
  }

  return {
    posts,
    messages,
    unique,
    json,
    form,
    duplicates: count,
    lateBounces: late.length,
    unknown,
    outOfOrderMessages,
    expectedStatus,
    expectedSuppressions,
    scenarioCounts,
  };
}

function shuffle<T>(items: T[], rnd: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// ---- Talking to the service ------------------------------------------------------------------------

class Api {
  constructor(
    readonly base: string,
    private readonly apiKey: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json: json as T };
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.call<T>('GET', path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${describe(res.json)}`);
    return res.json;
  }

  async total(path: string): Promise<number> {
    return (await this.get<{ total: number }>(path)).total;
  }
}

function describe(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { code?: string; message?: unknown };
    const message = Array.isArray(b.message) ? b.message.join('; ') : b.message;
    if (b.code || message) return [b.code, message].filter(Boolean).join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 200) : (JSON.stringify(body)?.slice(0, 200) ?? '');
}

interface Ack {
  received: number;
  stored: number;
  duplicates: number;
  validations: number;
}

interface Refusal {
  status: number | string;
  detail: string;
}

// ---- The run ---------------------------------------------------------------------------------------

interface Summary {
  ok: boolean;
  problems: string[];
  runId: string;
  seed: number;
  mailingId: string;
  endpointId: string;
  posted: {
    total: number;
    events: number;
    json: number;
    form: number;
    duplicates: number;
    lateBounces: number;
    unknownType: number;
    outOfOrderMessages: number;
    validation: number;
  };
  responses: { ok: number; refused: number; storedAcknowledged: number; duplicatesAcknowledged: number };
  seconds: { posting: number; processing: number };
  events: { stored: number; expected: number; failedProcessing: number; byType: Record<string, number> };
  messages: { total: number; byStatus: Record<MessageStatus, number>; expected: Record<MessageStatus, number> };
  suppressions: {
    byReason: Record<SuppressionReason, number>;
    added: Record<SuppressionReason, number>;
    expectedAdded: Record<SuppressionReason, number>;
  };
  scenarios: Record<string, number>;
}

async function run(opts: Options): Promise<number> {
  const say = opts.json ? (s = '') => process.stderr.write(`${s}\n`) : (s = '') => process.stdout.write(`${s}\n`);
  const api = new Api(opts.url, opts.apiKey);
  const runId = randomBytes(3).toString('hex');
  const problems: string[] = [];

  // 1. Is the service there, and does it take the key?
  try {
    const health = await fetch(`${opts.url}/health`, { signal: AbortSignal.timeout(5000) });
    if (health.status !== 200) throw new Error(`GET /health answered ${health.status}`);
  } catch (err) {
    say(`✗ Cannot reach the service at ${opts.url}: ${errorText(err)}`);
    say('  Start it first (npm start, with PostgreSQL and Redis running: docker compose up -d), or pass --url.');
    return 2;
  }

  // 2. A receiver endpoint with a secret generated here, as the SocketLabs portal would show it.
  const secretKey = randomBytes(15).toString('base64url');
  const created = await api.call<{ id: string; receiverPath: string }>('POST', '/api/v1/webhook-endpoints', {
    name: `npm run simulate ${runId}`,
    secretKeys: [secretKey],
    expectedServerId: SERVER_ID,
  });
  if (created.status === 401 || created.status === 403) {
    say(
      `✗ The service refused the API key (${created.status} ${describe(created.json)}). Pass an admin key: --api-key, or ADMIN_API_KEY.`,
    );
    return 2;
  }
  if (created.status !== 201) {
    say(
      `✗ Could not create a webhook endpoint: POST /api/v1/webhook-endpoints answered ${created.status} ${describe(created.json)}`,
    );
    return 2;
  }
  const endpoint = created.json;
  const receiverUrl = `${opts.url}${endpoint.receiverPath}`;
  say(`Service ${opts.url} · run ${runId} · seed ${opts.seed}`);
  say(
    `Webhook endpoint ${endpoint.id} (secret …${secretKey.slice(-4)}, ServerId ${SERVER_ID}) at ${endpoint.receiverPath}`,
  );

  const suppressionsBefore = await suppressionTotals(api);

  // 3. The Validation handshake SocketLabs performs when a webhook is saved.
  const validation = await postEvent(
    receiverUrl,
    'application/json',
    JSON.stringify({ Type: 'Validation', ServerId: SERVER_ID, SecretKey: secretKey }),
  );
  if (validation.status !== 200) {
    say(`✗ The Validation event was refused: ${validation.status} ${validation.detail}`);
    return 1;
  }
  const validatedAt = (await api.get<{ validatedAt: string | null }>(`/api/v1/webhook-endpoints/${endpoint.id}`))
    .validatedAt;
  say(
    `Validation handshake: 200${validatedAt ? `, endpoint validated at ${validatedAt}` : ' (but the endpoint shows no validatedAt)'}`,
  );
  if (!validatedAt) problems.push('the Validation event was acknowledged but the endpoint has no validatedAt');

  // 4. The stream.
  const plan = buildPlan(opts, runId, secretKey);
  say();
  say(
    `Posting ${plan.posts.length} events for ${opts.messages} messages at ${opts.rate}/s (about ${Math.ceil(plan.posts.length / opts.rate)} s):`,
  );
  say(
    `  ${plan.json} JSON, ${plan.form} form-encoded; ${plan.duplicates} re-posts of events already sent; ${plan.outOfOrderMessages} messages with events out of order;`,
  );
  say(
    `  ${plan.lateBounces} asynchronous bounces (Failed after Delivered) at the end; ${plan.unknown} event(s) of a type the service does not know (${UNKNOWN_TYPE}).`,
  );
  say(
    `  Messages: ${Object.entries(plan.scenarioCounts)
      .map(([name, n]) => `${n} ${name}`)
      .join('; ')}.`,
  );

  const started = performance.now();
  const counters = { ok: 0, stored: 0, duplicates: 0, refused: 0 };
  const refusals: Refusal[] = [];
  const inflight = new Set<Promise<void>>();
  let lastProgress = started;
  let aborted = false;
  for (let k = 0; k < plan.posts.length; k++) {
    if (refusals.length >= 10) {
      aborted = true;
      break;
    }
    const due = started + (k * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    while (inflight.size >= 32) await Promise.race(inflight);
    const post = plan.posts[k];
    const task = (async () => {
      // A re-post follows the original's answer, as SocketLabs' retry follows its first attempt.
      if (post.duplicateOf?.sent) await post.duplicateOf.sent;
      const r = await postEvent(receiverUrl, post.contentType, post.body);
      if (r.status === 200 && r.ack) {
        counters.ok++;
        counters.stored += r.ack.stored;
        counters.duplicates += r.ack.duplicates;
      } else {
        counters.refused++;
        refusals.push({ status: r.status, detail: r.detail });
      }
    })();
    post.sent = task;
    inflight.add(task);
    void task.finally(() => inflight.delete(task));
    if (performance.now() - lastProgress > 5000) {
      lastProgress = performance.now();
      say(`  … ${k + 1}/${plan.posts.length} posted (${((k + 1) / ((lastProgress - started) / 1000)).toFixed(1)}/s)`);
    }
  }
  await Promise.all(inflight);
  const postingSeconds = (performance.now() - started) / 1000;
  const posted = counters.ok + counters.refused;
  say(
    `Posted ${posted} events in ${postingSeconds.toFixed(1)} s (${(posted / postingSeconds).toFixed(1)}/s): ${counters.ok} answered 200, ${counters.refused} refused.`,
  );
  if (refusals.length) {
    say(`✗ Refused events (the receiver must answer 200 to every genuine event):`);
    for (const r of refusals.slice(0, 5)) say(`    ${r.status} ${r.detail}`);
    if (aborted) say('  Stopped after 10 refusals.');
    problems.push(`${counters.refused} event(s) refused`);
  }

  // 5. Wait for the workers.
  say();
  const waitStarted = performance.now();
  let stats = await api.get<EventStats>('/api/v1/events/stats');
  let lastPending = -1;
  while (stats.byState.pending > 0 && performance.now() - waitStarted < opts.waitTimeoutSeconds * 1000) {
    if (stats.byState.pending !== lastPending && performance.now() - waitStarted > 1000)
      say(`  waiting for the workers: ${stats.byState.pending} event(s) pending`);
    lastPending = stats.byState.pending;
    await sleep(500);
    stats = await api.get<EventStats>('/api/v1/events/stats');
  }
  const processingSeconds = (performance.now() - waitStarted) / 1000;
  if (stats.byState.pending > 0) {
    say(
      `✗ ${stats.byState.pending} event(s) still pending after ${opts.waitTimeoutSeconds} s. Is a worker running (ROLE=all or a ROLE=worker process)?`,
    );
    problems.push(`processing did not finish in ${opts.waitTimeoutSeconds} s`);
  } else {
    say(
      `All events processed ${processingSeconds < 1 ? 'already' : `after ${processingSeconds.toFixed(1)} s`} (GET /api/v1/events/stats: pending 0).`,
    );
  }

  // 6. What the service now says, next to what this run should have produced.
  const q = encodeURIComponent(plan.messages[0].mailingId);
  const storedThisRun = await api.total(`/api/v1/events?mailingId=${q}&pageSize=1`);
  const byStatus = {} as Record<MessageStatus, number>;
  for (const s of STATUSES) byStatus[s] = await api.total(`/api/v1/messages?mailingId=${q}&status=${s}&pageSize=1`);
  const messagesTotal = await api.total(`/api/v1/messages?mailingId=${q}&pageSize=1`);
  const suppressionsAfter = await suppressionTotals(api);
  const added = Object.fromEntries(REASONS.map((r) => [r, suppressionsAfter[r] - suppressionsBefore[r]])) as Record<
    SuppressionReason,
    number
  >;

  const check = (what: string, actual: number, expected: number) => {
    if (actual !== expected) problems.push(`${what}: ${actual}, expected ${expected}`);
    return actual === expected ? '✓' : `✗ expected ${expected}`;
  };
  const expectedPosted = aborted ? undefined : plan.posts.length;

  say();
  say('Summary');
  say(
    `  events posted            ${posted}${expectedPosted === undefined ? ' (stopped early)' : ''}, of which ${plan.duplicates} re-posts, plus the Validation event`,
  );
  say(`  answered 200             ${counters.ok}   ${check('events answered 200', counters.ok, posted)}`);
  say(
    `  duplicates acknowledged  ${counters.duplicates}   ${aborted ? '' : check('re-posts acknowledged as duplicates', counters.duplicates, plan.duplicates)}`,
  );
  say(
    `  stored (acknowledged)    ${counters.stored}   ${aborted ? '' : check('events stored, as acknowledged', counters.stored, plan.unique)}`,
  );
  say(
    `  stored events (this run) ${storedThisRun}   ${aborted ? '' : check('stored events of this run (GET /api/v1/events?mailingId=)', storedThisRun, plan.unique)}`,
  );
  say(
    `  events in the service    ${stats.total} (processed ${stats.byState.processed}, failed ${stats.byState.failed}, pending ${stats.byState.pending})`,
  );
  say(
    `    by type                ${Object.entries(stats.byType)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (!aborted) {
    say(`  messages (this run)      ${messagesTotal}   ${check('messages of this run', messagesTotal, opts.messages)}`);
    for (const s of STATUSES)
      say(
        `    ${s.padEnd(22)} ${String(byStatus[s]).padStart(5)}   ${check(`messages ${s}`, byStatus[s], plan.expectedStatus[s])}`,
      );
    say(`  suppressions added (whole service: ${REASONS.map((r) => `${r} ${suppressionsAfter[r]}`).join(', ')})`);
    for (const r of REASONS)
      say(
        `    ${r.padEnd(22)} ${String(added[r]).padStart(5)}   ${check(`suppressions added for ${r}`, added[r], plan.expectedSuppressions[r])}`,
      );
  }
  say();
  if (problems.length) {
    say(`✗ ${problems.length} problem(s): ${problems.join('; ')}`);
  } else {
    say(
      `✓ Every event was acknowledged, stored once and processed; statuses and suppressions are what SocketLabs' events imply.`,
    );
    say(
      `  Look around: ${opts.url}/docs (GET /api/v1/messages?mailingId=${plan.messages[0].mailingId}), ${opts.url}/queues`,
    );
  }

  if (opts.json) {
    const summary: Summary = {
      ok: problems.length === 0,
      problems,
      runId,
      seed: opts.seed,
      mailingId: plan.messages[0].mailingId,
      endpointId: endpoint.id,
      posted: {
        total: posted,
        events: plan.unique,
        json: plan.json,
        form: plan.form,
        duplicates: plan.duplicates,
        lateBounces: plan.lateBounces,
        unknownType: plan.unknown,
        outOfOrderMessages: plan.outOfOrderMessages,
        validation: 1,
      },
      responses: {
        ok: counters.ok,
        refused: counters.refused,
        storedAcknowledged: counters.stored,
        duplicatesAcknowledged: counters.duplicates,
      },
      seconds: { posting: round(postingSeconds), processing: round(processingSeconds) },
      events: {
        stored: storedThisRun,
        expected: plan.unique,
        failedProcessing: stats.byState.failed,
        byType: stats.byType,
      },
      messages: { total: messagesTotal, byStatus, expected: plan.expectedStatus },
      suppressions: { byReason: suppressionsAfter, added, expectedAdded: plan.expectedSuppressions },
      scenarios: plan.scenarioCounts,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  return problems.length ? 1 : 0;
}

interface EventStats {
  total: number;
  byType: Record<string, number>;
  byState: { pending: number; processed: number; failed: number };
}

async function suppressionTotals(api: Api): Promise<Record<SuppressionReason, number>> {
  const out = {} as Record<SuppressionReason, number>;
  for (const r of REASONS) out[r] = await api.total(`/api/v1/suppressions?reason=${r}&pageSize=1`);
  return out;
}

async function postEvent(
  url: string,
  contentType: string,
  body: string,
): Promise<{ status: number | string; ack?: Ack; detail: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (res.status === 200 && json && typeof json === 'object' && typeof (json as Ack).stored === 'number')
      return { status: 200, ack: json as Ack, detail: '' };
    return {
      status: res.status,
      detail: res.status === 200 ? `unexpected answer ${text.slice(0, 100)}` : describe(json),
    };
  } catch (err) {
    return { status: 'no answer', detail: errorText(err) };
  }
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(err);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const USAGE = `Usage: npm run simulate -- [--messages 100] [--rate 20] [--duplicates 0.1] [--form 0.2]
                            [--url http://127.0.0.1:3000] [--api-key KEY] [--seed N] [--wait-timeout 120] [--json]
Posts a realistic stream of SocketLabs events at a running service and checks what it made of them.
The admin key defaults to ADMIN_API_KEY (environment or .env). See the top of scripts/simulate.ts.`;

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`✗ ${err.message}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = err.message ? 2 : 0;
    return;
  }
  try {
    process.exitCode = await run(opts);
  } catch (err) {
    process.stderr.write(`✗ ${errorText(err)}\n`);
    process.exitCode = 2;
  }
}

void main();
