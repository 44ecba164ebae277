/**
 * A fake SocketLabs for tests: the v2 API and the Injection API on one local port, speaking the real wire
 * format (docs/socketlabs-wire-format.md §4-5), keeping its resources in memory, recording every request, and
 * misbehaving on demand.
 *
 * START / STOP
 *   const fake = await FakeSocketLabs.start();          // 127.0.0.1, a free port; key FAKE_SOCKETLABS_KEY
 *   createTestApp({ ...fake.env() })                    // SOCKETLABS_API_URL, SOCKETLABS_INJECT_URL, SOCKETLABS_API_KEY
 *   await fake.stop();                                  // in afterAll
 *   fake.reset();                                       // in beforeEach: forgets requests, misbehaviours, state
 *
 * WIRE FORMAT
 *   v2 (`/v2/...`): `Authorization: Bearer <key>` (or Basic with the key as password), else 401. Success
 *   `{ "data": ... }`, lists `{ "data": [...], "total": N }` with pageNumber (0-based), pageSize, sortField,
 *   sortDirection (asc | dsc | desc) and filters (`Field=like:value`, `Field=eq:value`, repeatable).
 *   Errors `{ "data": { "error": [{ "errorType", "message" }] } }` (see `sl.error`). DELETE answers 204.
 *   Paths are case-insensitive and ignore a trailing slash; JSON field names are read case-insensitively.
 *   Injection (`POST /api/v1/email`): the same key as Bearer (or `apiKey` in the body), else 401 with
 *   `ErrorCode: InvalidAuthentication`. Answers are PascalCase and not wrapped: `{ ErrorCode, MessageResults,
 *   TransactionReceipt }`; `Warning` with `AddressResults` for invalid recipients, `NoValidRecipients`,
 *   `InvalidFromAddress`, `EmptySubject`, `NoValidBodyParts`, `NoMessages`, `TooManyRecipients`.
 *
 * STATE (fake.state; ids are numbers from 1, except IP assignment ids)
 *   ipAllocations (4 seeded, ids `ipa-1001`..`ipa-1004`), ipPools, subaccounts, injection-api and SMTP
 *   credentials, DKIM entries, bounce and tracking domains, event webhooks (account: subaccountId null),
 *   injected messages. Answers use the shapes of the Complex Sender quickstart. Hooks for error paths:
 *   a DKIM `privateKey` containing `INVALID` and a bounce/tracking domain ending in `.invalid` fail
 *   validation (400); a duplicate IP pool name, bounce or tracking domain is a 409; an unknown
 *   subaccount or resource is a 404.
 *
 * ASSERTIONS
 *   fake.requests                          every request: { method, path, rawUrl, query, headers, body, rawBody, at }
 *   fake.requestsTo('POST', '/v2/ip-pool')  those to one route (path string or RegExp)
 *
 * MISBEHAVIOUR (for the next `times` matching requests, default 1; by method and/or path, else all)
 *   fake.misbehave({ status: 429, retryAfter: 1 })                 429 with Retry-After and an error envelope
 *   fake.misbehave({ path: '/v2/ip-pool', status: 502, times: 3 })
 *   fake.misbehave({ status: 400, body: { data: { error: [...] } } })  a given body (object as JSON, string as text)
 *   fake.misbehave({ delayMs: 2000 })                              a slow answer (then handled normally)
 *   fake.misbehave({ drop: true })                                 the connection is destroyed after the request arrived
 *
 * ADDING A ROUTE (takes precedence over the built-in ones; handlers may be async)
 *   fake.route('GET', '/v2/subaccount/:subaccountId/reports', (req) => sl.list([{ ... }]));
 *   fake.route('POST', '/v2/thing', (req) => sl.data({ id: 1, name: req.field('name') }, 201));
 *   Handlers get { method, path, params, query, headers, body, field(name), at } and return
 *   { status?, body?, headers? }; `sl.data`, `sl.list`, `sl.error`, `sl.noContent` build the usual answers.
 */
/* eslint-disable @typescript-eslint/no-base-to-string -- the fake takes any JSON value sent and reads it as text */
import { randomBytes } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_SOCKETLABS_KEY = 'FakeKey0000000000001.fake0000000000000000000000000000000000001';

export interface FakeRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  rawUrl: string;
  /** Parsed query; a repeated parameter is an array. */
  query: Record<string, string | string[]>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  rawBody: string;
  /** Arrival time, `performance.now()` milliseconds (to measure waits between retries). */
  at: number;
  /** Set when a misbehaviour answered this request. */
  misbehaved?: string;
}

export interface FakeHandlerRequest extends FakeRequest {
  params: Record<string, string>;
  /** A body field read case-insensitively, as SocketLabs reads JSON. */
  field: (name: string) => unknown;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (req: FakeHandlerRequest, fake: FakeSocketLabs) => FakeReply | Promise<FakeReply>;

export interface Misbehaviour {
  method?: string;
  /** Exact path (case-insensitive) or a RegExp tested on the path. */
  path?: string | RegExp;
  /** How many matching requests (default 1). */
  times?: number;
  status?: number;
  /** Retry-After header: seconds or an HTTP date. */
  retryAfter?: number | string;
  /** Body for `status`: an object is sent as JSON, a string as text. Default: an error envelope. */
  body?: unknown;
  contentType?: string;
  /** Wait this long before answering (then answer `status`, or handle normally). */
  delayMs?: number;
  /** Destroy the connection once the request has arrived: no answer at all. */
  drop?: boolean;
}

/** Builders of the usual answers. */
export const sl = {
  data: (data: unknown, status = 200): FakeReply => ({ status, body: { data } }),
  list: (items: unknown[], total = items.length): FakeReply => ({ status: 200, body: { data: items, total } }),
  error: (status: number, message: string, errorType = errorTypeFor(status)): FakeReply => ({
    status,
    body: { data: { error: [{ errorType, message }] } },
  }),
  noContent: (): FakeReply => ({ status: 204 }),
};

function errorTypeFor(status: number): string {
  return (
    (
      {
        400: 'Validation',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'NotFound',
        409: 'Conflict',
        422: 'Validation',
        429: 'RateLimit',
      } as Record<number, string>
    )[status] ?? 'ServerError'
  );
}

export interface FakeEventWebhook {
  id: number;
  subaccountId: number | null;
  [field: string]: unknown;
}

export interface FakeState {
  ipAllocations: Array<Record<string, unknown>>;
  ipPools: Map<number, Record<string, unknown> & { ipPoolId: number; name: string }>;
  subaccounts: Map<number, Record<string, unknown> & { subaccountId: number }>;
  injectionCredentials: Map<number, { serverId: number; apiKey: string; gateway: string }>;
  smtpCredentials: Map<number, { username: string; password: string; gateway: string }>;
  /** Keyed `subaccountId/domain` (domain lower-cased). */
  dkim: Map<string, Record<string, unknown>>;
  bounceDomains: Map<string, Record<string, unknown>>;
  trackingDomains: Map<string, Record<string, unknown>>;
  eventWebhooks: Map<number, FakeEventWebhook>;
  /** Every message accepted (fully or in part) by the Injection API. */
  injected: Array<{ serverId: unknown; message: Record<string, unknown> }>;
  nextId: number;
}

const ACCOUNT_ID = 98765;
const now = () => new Date().toISOString();

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: FakeHandler;
}

interface ActiveMisbehaviour extends Misbehaviour {
  remaining: number;
}

export class FakeSocketLabs {
  readonly requests: FakeRequest[] = [];
  state: FakeState = initialState();
  url = '';
  private server!: http.Server;
  private readonly custom: Route[] = [];
  private readonly builtIn: Route[] = [];
  private misbehaviours: ActiveMisbehaviour[] = [];
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  private constructor(readonly apiKey: string) {
    registerBuiltInRoutes(this, (method, pattern, handler) => this.builtIn.push(compile(method, pattern, handler)));
  }

  static async start(options: { apiKey?: string } = {}): Promise<FakeSocketLabs> {
    const fake = new FakeSocketLabs(options.apiKey ?? FAKE_SOCKETLABS_KEY);
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((err) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`fake-socketlabs: ${(err as Error).stack}`);
        }
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Environment for createTestApp / AppConfig.fromEnvironment pointing the service at this fake. */
  env(): Record<string, string> {
    return { SOCKETLABS_API_URL: this.url, SOCKETLABS_INJECT_URL: this.url, SOCKETLABS_API_KEY: this.apiKey };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forgets requests, misbehaviours and state (custom routes stay). */
  reset(): void {
    this.requests.length = 0;
    this.misbehaviours = [];
    this.state = initialState();
  }

  requestsTo(method: string, path: string | RegExp): FakeRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && pathMatches(path, r.path));
  }

  misbehave(m: Misbehaviour): void {
    this.misbehaviours.push({ ...m, remaining: m.times ?? 1 });
  }

  route(method: string, pattern: string, handler: FakeHandler): void {
    this.custom.unshift(compile(method, pattern, handler));
  }

  newId(): number {
    return this.state.nextId++;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (this.timers.delete(entry), resolve()), ms), resolve };
      this.timers.add(entry);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://fake');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of u.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
    let body: unknown;
    if (rawBody.trim()) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    const recorded: FakeRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: decodeURIComponent(u.pathname),
      rawUrl: req.url ?? '/',
      query,
      headers,
      body,
      rawBody,
      at: performance.now(),
    };
    this.requests.push(recorded);

    const m = this.takeMisbehaviour(recorded, u.pathname);
    if (m) {
      recorded.misbehaved = m.drop ? 'drop' : m.status ? String(m.status) : `delay ${m.delayMs}`;
      if (m.delayMs) await this.delay(m.delayMs);
      if (res.destroyed) return;
      if (m.drop) {
        req.socket.destroy();
        return;
      }
      if (m.status) {
        const extra: Record<string, string> = {};
        if (m.retryAfter !== undefined) extra['retry-after'] = String(m.retryAfter);
        const reply: FakeReply =
          m.body === undefined
            ? sl.error(m.status, `Fake misbehaviour: HTTP ${m.status}`)
            : { status: m.status, body: m.body };
        return send(res, {
          ...reply,
          headers: { ...extra, ...(m.contentType ? { 'content-type': m.contentType } : {}) },
        });
      }
    }

    const reply = await this.dispatch(recorded, u.pathname);
    if (!res.destroyed) send(res, reply);
  }

  private takeMisbehaviour(r: FakeRequest, rawPath: string): ActiveMisbehaviour | undefined {
    const m = this.misbehaviours.find(
      (x) =>
        x.remaining > 0 &&
        (!x.method || x.method.toUpperCase() === r.method) &&
        (!x.path || pathMatches(x.path, r.path) || pathMatches(x.path, rawPath)),
    );
    if (m) m.remaining--;
    return m;
  }

  private async dispatch(r: FakeRequest, rawPath: string): Promise<FakeReply> {
    const isInjection = /^\/api\/v1\/email\/?$/i.test(rawPath);
    if (!isInjection && !this.authorized(r.headers.authorization)) {
      return sl.error(401, 'Authorization has been denied for this request.');
    }
    for (const routes of [this.custom, this.builtIn]) {
      for (const route of routes) {
        if (route.method !== r.method) continue;
        const match = route.regex.exec(rawPath);
        if (!match) continue;
        const params: Record<string, string> = {};
        route.keys.forEach((k, i) => (params[k] = decodeURIComponent(match[i + 1])));
        return route.handler({ ...r, params, field: (name) => field(r.body, name) }, this);
      }
    }
    return sl.error(404, `No route for ${r.method} ${r.path}`);
  }

  authorized(header: string | undefined): boolean {
    if (!header) return false;
    const [scheme, value] = header.split(' ', 2);
    if (/^bearer$/i.test(scheme)) return value === this.apiKey;
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value ?? '', 'base64').toString('utf8');
      return decoded.slice(decoded.indexOf(':') + 1) === this.apiKey;
    }
    return false;
  }
}

function send(res: ServerResponse, reply: FakeReply): void {
  const status = reply.status ?? 200;
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload = '';
  if (reply.body !== undefined && status !== 204) {
    if (typeof reply.body === 'string') {
      payload = reply.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
  }
  res.writeHead(status, headers).end(payload);
}

function compile(method: string, pattern: string, handler: FakeHandler): Route {
  const keys: string[] = [];
  const source = pattern
    .replace(/\/+$/, '')
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method: method.toUpperCase(), regex: new RegExp(`^${source}/?$`, 'i'), keys, handler };
}

function pathMatches(expected: string | RegExp, path: string): boolean {
  return typeof expected === 'string'
    ? expected.replace(/\/+$/, '').toLowerCase() === path.replace(/\/+$/, '').toLowerCase()
    : expected.test(path);
}

/** A JSON field read case-insensitively. */
export function field(body: unknown, name: string): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const lower = name.toLowerCase();
  const key = Object.keys(body).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : (body as Record<string, unknown>)[key];
}

function initialState(): FakeState {
  return {
    ipAllocations: [
      { ipAssignmentId: 'ipa-1001', ipAddress: '10.28.100.11', ipPoolId: null, status: 'Available', isDedicated: true },
      { ipAssignmentId: 'ipa-1002', ipAddress: '10.28.100.12', ipPoolId: null, status: 'Available', isDedicated: true },
      { ipAssignmentId: 'ipa-1003', ipAddress: '10.28.101.5', ipPoolId: null, status: 'Available', isDedicated: true },
      { ipAssignmentId: 'ipa-1004', ipAddress: '192.0.2.7', ipPoolId: null, status: 'Available', isDedicated: false },
    ],
    ipPools: new Map(),
    subaccounts: new Map(),
    injectionCredentials: new Map(),
    smtpCredentials: new Map(),
    dkim: new Map(),
    bounceDomains: new Map(),
    trackingDomains: new Map(),
    eventWebhooks: new Map(),
    injected: [],
    nextId: 1,
  };
}

/** pageNumber / pageSize / sortField / sortDirection / filters over an in-memory list. */
export function page(items: Array<Record<string, unknown>>, query: Record<string, string | string[]>): FakeReply {
  let rows = [...items];
  const filters = query.filters === undefined ? [] : ([] as string[]).concat(query.filters);
  for (const f of filters) {
    const m = /^([^=]+)=([a-z]+):(.*)$/i.exec(f);
    if (!m) return sl.error(400, `Invalid filter '${f}'. Expected <Field>=<operator>:<value>.`);
    const [, name, op, value] = m;
    if (!['like', 'eq'].includes(op.toLowerCase())) return sl.error(400, `Unknown filter operator '${op}'.`);
    rows = rows.filter((row) => {
      const v = String(field(row, name) ?? '').toLowerCase();
      return op.toLowerCase() === 'like' ? v.includes(value.toLowerCase()) : v === value.toLowerCase();
    });
  }
  const sortField = typeof query.sortField === 'string' ? query.sortField : undefined;
  const direction = typeof query.sortDirection === 'string' ? query.sortDirection.toLowerCase() : 'asc';
  if (direction && !['asc', 'dsc', 'desc'].includes(direction))
    return sl.error(400, `Invalid sortDirection '${direction}'.`);
  if (sortField) {
    const sign = direction === 'asc' ? 1 : -1;
    rows.sort(
      (a, b) =>
        sign *
        String(field(a, sortField) ?? '').localeCompare(String(field(b, sortField) ?? ''), 'en', { numeric: true }),
    );
  }
  const pageNumber = Number(query.pageNumber ?? 0);
  const pageSize = Number(query.pageSize ?? 50);
  if (!Number.isInteger(pageNumber) || pageNumber < 0 || !Number.isInteger(pageSize) || pageSize < 1) {
    return sl.error(400, 'pageNumber must be an integer >= 0 and pageSize an integer >= 1.');
  }
  return sl.list(rows.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize), rows.length);
}

const EVENT_TYPES = ['Queued', 'Sent', 'Failed', 'Deferred', 'Complaint', 'Click', 'Open'];

function randomKey(length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

function isEmail(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 320 && /^[^@\s,;]+@[^@\s,;]+$/.test(value);
}

function bool(value: unknown, fallback = false): boolean {
  if (value === undefined || value === null) return fallback;
  return value === true || String(value).toLowerCase() === 'true';
}

type Register = (method: string, pattern: string, handler: FakeHandler) => void;

function registerBuiltInRoutes(fake: FakeSocketLabs, on: Register): void {
  const s = () => fake.state;
  const key = (sub: number, domain: string) => `${sub}/${domain.toLowerCase()}`;
  /** Runs `fn` with the subaccount id, or answers 404 for an unknown subaccount. */
  const withSub =
    (fn: (sub: number, req: FakeHandlerRequest) => FakeReply | Promise<FakeReply>): FakeHandler =>
    (req) => {
      const sub = Number(req.params.subaccountId);
      if (!s().subaccounts.has(sub)) return sl.error(404, `Subaccount ${req.params.subaccountId} was not found.`);
      return fn(sub, req);
    };

  // ---- IP allocations and pools --------------------------------------------------------------
  on('GET', '/v2/ip-allocation', (req) => page(s().ipAllocations, req.query));

  const poolView = (p: Record<string, unknown>) => {
    const { ipAssignmentIDs: _ids, ...view } = p;
    return view;
  };
  on('GET', '/v2/ip-pool', (req) => page([...s().ipPools.values()].map(poolView), req.query));
  on('GET', '/v2/ip-pool/:ipPoolId', (req) => {
    const pool = s().ipPools.get(Number(req.params.ipPoolId));
    return pool ? sl.data(poolView(pool)) : sl.error(404, `IP pool ${req.params.ipPoolId} was not found.`);
  });
  on('POST', '/v2/ip-pool', (req) => {
    const name = req.field('name');
    const ids = req.field('ipAssignmentIDs');
    if (typeof name !== 'string' || !name.trim()) return sl.error(400, 'The name field is required.');
    if (!Array.isArray(ids)) return sl.error(400, 'The ipAssignmentIDs field is required.');
    const unknown = ids.filter((id) => !s().ipAllocations.some((a) => a.ipAssignmentId === String(id)));
    if (unknown.length) return sl.error(400, `Unknown IP assignment id(s): ${unknown.join(', ')}.`);
    if ([...s().ipPools.values()].some((p) => p.name.toLowerCase() === name.toLowerCase())) {
      return sl.error(409, `An IP pool named '${name}' already exists.`);
    }
    const ipPoolId = fake.newId();
    const pool = {
      ipPoolId,
      accountId: ACCOUNT_ID,
      name,
      status: 'Active',
      createdOn: now(),
      isDefault: false,
      streamScore: 0,
      dailyVolume: 0,
      ipAssignmentIDs: ids.map(String),
    };
    s().ipPools.set(ipPoolId, pool);
    for (const a of s().ipAllocations)
      if (pool.ipAssignmentIDs.includes(String(a.ipAssignmentId))) a.ipPoolId = ipPoolId;
    return sl.data(poolView(pool));
  });

  // ---- Subaccounts -----------------------------------------------------------------------------
  const subaccountView = (sub: Record<string, unknown>) => {
    const poolId = sub.ipPoolId as number | undefined;
    const { ipPoolId: _p, ...view } = sub;
    const pool = poolId === undefined ? undefined : s().ipPools.get(poolId);
    return pool ? { ...view, assignedIpPool: poolView(pool) } : view;
  };
  const subaccountRules = (ipPoolId: unknown, useRuleEngine: unknown): FakeReply | null => {
    const hasPool = ipPoolId !== undefined && ipPoolId !== null;
    const hasRules = useRuleEngine !== undefined && useRuleEngine !== null && useRuleEngine !== false;
    if (hasPool === hasRules) return sl.error(400, 'Either ipPoolId or useRuleEngine must be set, but not both.');
    if (hasPool && !s().ipPools.has(Number(ipPoolId)))
      return sl.error(400, `IP pool ${String(ipPoolId)} was not found.`);
    return null;
  };
  on('POST', '/v2/subaccount', (req) => {
    const name = req.field('name');
    if (typeof name !== 'string' || !name.trim()) return sl.error(400, 'The name field is required.');
    const ipPoolId = req.field('ipPoolId');
    const useRuleEngine = req.field('useRuleEngine');
    const refused = subaccountRules(ipPoolId, useRuleEngine);
    if (refused) return refused;
    const subaccountId = fake.newId();
    const sub: Record<string, unknown> & { subaccountId: number } = {
      subaccountId,
      accountId: ACCOUNT_ID,
      name,
      status: 'Active',
      createdOn: now(),
      streamScore: 85,
      dailyVolume: 0,
      urgency: 'Low',
      hasDkim: false,
      hasSpf: false,
    };
    if (ipPoolId !== undefined && ipPoolId !== null) sub.ipPoolId = Number(ipPoolId);
    else sub.useRuleEngine = true;
    s().subaccounts.set(subaccountId, sub);
    return sl.data(subaccountView(sub));
  });
  on('GET', '/v2/subaccount', (req) => page([...s().subaccounts.values()].map(subaccountView), req.query));
  on(
    'GET',
    '/v2/subaccount/:subaccountId',
    withSub((sub) => sl.data(subaccountView(s().subaccounts.get(sub)!))),
  );
  on(
    'PUT',
    '/v2/subaccount/:subaccountId',
    withSub((id, req) => {
      const sub = s().subaccounts.get(id)!;
      const name = req.field('name');
      if (name !== undefined && (typeof name !== 'string' || !name.trim()))
        return sl.error(400, 'The name field must not be empty.');
      const ipPoolId = req.field('ipPoolId');
      const useRuleEngine = req.field('useRuleEngine');
      if (ipPoolId !== undefined || useRuleEngine !== undefined) {
        const refused = subaccountRules(ipPoolId, useRuleEngine);
        if (refused) return refused;
        delete sub.ipPoolId;
        delete sub.useRuleEngine;
        if (ipPoolId !== undefined && ipPoolId !== null) sub.ipPoolId = Number(ipPoolId);
        else sub.useRuleEngine = true;
      }
      if (typeof name === 'string') sub.name = name;
      return sl.data(subaccountView(sub));
    }),
  );
  on(
    'DELETE',
    '/v2/subaccount/:subaccountId',
    withSub((id) => {
      s().subaccounts.delete(id);
      return sl.noContent();
    }),
  );

  // ---- Credentials -----------------------------------------------------------------------------
  on(
    'POST',
    '/v2/subaccount/:subaccountId/credentials/injection-api',
    withSub((id) => {
      const creds = {
        serverId: id,
        apiKey: `${randomKey(20)}.${randomKey(40)}`,
        gateway: 'https://inject-cx.socketlabs.com/api/v1/email',
      };
      s().injectionCredentials.set(id, creds);
      return sl.data(creds);
    }),
  );
  const smtp = (id: number) => {
    let creds = s().smtpCredentials.get(id);
    if (!creds)
      s().smtpCredentials.set(
        id,
        (creds = { username: `subaccount${id}`, password: randomKey(16), gateway: 'smtp.socketlabs.com' }),
      );
    return creds;
  };
  on(
    'GET',
    '/v2/subaccount/:subaccountId/credentials/smtp',
    withSub((id) => sl.data(smtp(id))),
  );
  on(
    'PUT',
    '/v2/subaccount/:subaccountId/credentials/smtp',
    withSub((id, req) => {
      const password = req.field('password');
      if (typeof password !== 'string' || password.length < 8)
        return sl.error(400, 'The password must be at least 8 characters.');
      const creds = smtp(id);
      creds.password = password;
      return sl.data(creds);
    }),
  );

  // ---- DKIM --------------------------------------------------------------------------------------
  on(
    'POST',
    '/v2/subaccount/:subaccountId/dkim',
    withSub((id, req) => {
      const domain = (req.field('domain') ?? req.query.domain) as string | undefined;
      const selector = (req.field('selector') ?? req.query.selector) as string | undefined;
      if (!domain || !selector) return sl.error(400, 'The domain and selector fields are required.');
      const privateKey = req.field('privateKey');
      if (typeof privateKey === 'string' && privateKey) {
        if (privateKey.includes('INVALID'))
          return sl.error(
            400,
            `Unable to validate the private key against the public key published for ${selector}._domainkey.${domain}.`,
          );
        const entry = {
          Domain: domain,
          Selector: selector,
          truncatedPrivateKey: `${privateKey.slice(0, 10)}...`,
          recordType: 'TXT',
          createdOn: now(),
          updatedOn: now(),
        };
        s().dkim.set(key(id, domain), entry);
        s().subaccounts.get(id)!.hasDkim = true;
        return sl.data(entry);
      }
      const publicKey = `MIIBIjANBgkqh${randomKey(40)}`;
      const generated = {
        DnsHostName: `${selector}._domainkey.${domain}`,
        Domain: domain,
        Selector: selector,
        DnsRecord: `v=DKIM1; k=rsa; p=${publicKey}`,
        PublicKey: publicKey,
        PrivateKey: `-----BEGIN RSA PRIVATE KEY-----${randomKey(40)}`,
      };
      s().dkim.set(key(id, domain), {
        Domain: domain,
        Selector: selector,
        truncatedPrivateKey: `${generated.PrivateKey.slice(0, 10)}...`,
        recordType: 'TXT',
        createdOn: now(),
        updatedOn: now(),
      });
      s().subaccounts.get(id)!.hasDkim = true;
      return sl.data(generated);
    }),
  );
  on(
    'GET',
    '/v2/subaccount/:subaccountId/dkim',
    withSub((id, req) => page(entriesOf(s().dkim, id), req.query)),
  );
  on(
    'DELETE',
    '/v2/subaccount/:subaccountId/dkim/:domain',
    withSub((id, req) =>
      s().dkim.delete(key(id, req.params.domain))
        ? sl.noContent()
        : sl.error(404, `DKIM entry ${req.params.domain} was not found.`),
    ),
  );

  // ---- Bounce and tracking domains (same lifecycle, keyed by domain) -----------------------------
  const domainResource = (
    path: string,
    store: () => Map<string, Record<string, unknown>>,
    build: (req: FakeHandlerRequest, domain: string, prev?: Record<string, unknown>) => Record<string, unknown>,
  ) => {
    const domainOf = (e: Record<string, unknown>) => String(field(e, 'domain'));
    on(
      'POST',
      `/v2/subaccount/:subaccountId/${path}`,
      withSub((id, req) => {
        const domain = req.field('domain');
        if (typeof domain !== 'string' || !domain.trim()) return sl.error(400, 'The domain field is required.');
        if (domain.toLowerCase().endsWith('.invalid'))
          return sl.error(400, `No CNAME record pointing ${domain} to tracking.socketlabs.com was found.`);
        if (store().has(key(id, domain))) return sl.error(409, `${domain} is already set up for this subaccount.`);
        const entry = build(req, domain);
        store().set(key(id, domain), entry);
        if (path === 'bounce') s().subaccounts.get(id)!.hasSpf = true;
        return sl.data(entry);
      }),
    );
    on(
      'GET',
      `/v2/subaccount/:subaccountId/${path}`,
      withSub((id, req) => page(entriesOf(store(), id), req.query)),
    );
    on(
      'GET',
      `/v2/subaccount/:subaccountId/${path}/:domain`,
      withSub((id, req) => {
        const entry = store().get(key(id, req.params.domain));
        return entry ? sl.data(entry) : sl.error(404, `${req.params.domain} was not found.`);
      }),
    );
    on(
      'PUT',
      `/v2/subaccount/:subaccountId/${path}/:domain`,
      withSub((id, req) => {
        const prev = store().get(key(id, req.params.domain));
        if (!prev) return sl.error(404, `${req.params.domain} was not found.`);
        const entry = build(req, domainOf(prev), prev);
        store().set(key(id, req.params.domain), entry);
        return sl.data(entry);
      }),
    );
    on(
      'DELETE',
      `/v2/subaccount/:subaccountId/${path}/:domain`,
      withSub((id, req) =>
        store().delete(key(id, req.params.domain))
          ? sl.noContent()
          : sl.error(404, `${req.params.domain} was not found.`),
      ),
    );
  };
  domainResource(
    'bounce',
    () => s().bounceDomains,
    (req, domain, prev) => ({
      domain,
      isDefault: bool(req.field('isDefault'), bool(prev?.isDefault)),
      validationResult: 'Success',
      createdOn: prev?.createdOn ?? now(),
      updatedOn: now(),
    }),
  );
  domainResource(
    'tracking',
    () => s().trackingDomains,
    (req, domain, prev) => {
      const flag = (name: string, fallback: boolean) => bool(req.field(name), prev ? bool(prev[name]) : fallback);
      return {
        Domain: domain,
        opensEnabled: flag('opensEnabled', true),
        clicksEnabled: flag('clicksEnabled', true),
        unsubscribesEnabled: flag('unsubscribesEnabled', false),
        automaticTrackingEnabled: flag('automaticTrackingEnabled', false),
        googleAnalyticsEnabled: flag('googleAnalyticsEnabled', false),
        isDefault: flag('isDefault', false),
        encryptedTrackingStatus: 'Active',
        createdOn: prev?.createdOn ?? now(),
        updatedOn: now(),
      };
    },
  );

  // ---- Event webhooks (account: /v2/event-webhook, subaccount: /v2/subaccount/:id/event-webhook) ----
  const webhookRoutes = (prefix: string, scope: (req: FakeHandlerRequest) => number | null | FakeReply) => {
    const scoped =
      (fn: (subaccountId: number | null, req: FakeHandlerRequest) => FakeReply): FakeHandler =>
      (req) => {
        const sub = scope(req);
        return sub !== null && typeof sub === 'object' ? sub : fn(sub, req);
      };
    const find = (subaccountId: number | null, id: string) => {
      const hook = s().eventWebhooks.get(Number(id));
      return hook && hook.subaccountId === subaccountId ? hook : undefined;
    };
    const view = (h: FakeEventWebhook) => {
      const { subaccountId: _s, ...rest } = h;
      return rest;
    };
    const validate = (req: FakeHandlerRequest, partial: boolean): FakeReply | null => {
      const url = req.field('url');
      if (url === undefined && partial) return null;
      if (typeof url !== 'string' || !/^https:\/\/[^\s]+$/i.test(url))
        return sl.error(400, 'The url field must be an HTTPS URL.');
      const types = req.field('eventTypes');
      if (
        types !== undefined &&
        (!Array.isArray(types) ||
          types.some((t) => !EVENT_TYPES.some((e) => e.toLowerCase() === String(t).toLowerCase())))
      ) {
        return sl.error(400, `eventTypes must be a list of ${EVENT_TYPES.join(', ')}.`);
      }
      return null;
    };
    const generate = scoped(() => sl.data({ secretKey: randomKey(20) }));
    on('POST', `${prefix}/generate-secret-key`, generate);
    on('GET', `${prefix}/generate-secret-key`, generate);
    on(
      'GET',
      prefix,
      scoped((sub, req) =>
        page([...s().eventWebhooks.values()].filter((h) => h.subaccountId === sub).map(view), req.query),
      ),
    );
    on(
      'POST',
      prefix,
      scoped((sub, req) => {
        const refused = validate(req, false);
        if (refused) return refused;
        const hook: FakeEventWebhook = {
          id: fake.newId(),
          subaccountId: sub,
          name: req.field('name') ?? null,
          url: req.field('url'),
          enabled: bool(req.field('enabled'), true),
          eventTypes: req.field('eventTypes') ?? EVENT_TYPES,
          secretKey: req.field('secretKey') ?? randomKey(20),
          createdOn: now(),
          updatedOn: now(),
        };
        s().eventWebhooks.set(hook.id, hook);
        return sl.data(view(hook));
      }),
    );
    on(
      'GET',
      `${prefix}/:webhookId`,
      scoped((sub, req) => {
        const hook = find(sub, req.params.webhookId);
        return hook ? sl.data(view(hook)) : sl.error(404, `Event webhook ${req.params.webhookId} was not found.`);
      }),
    );
    on(
      'PUT',
      `${prefix}/:webhookId`,
      scoped((sub, req) => {
        const hook = find(sub, req.params.webhookId);
        if (!hook) return sl.error(404, `Event webhook ${req.params.webhookId} was not found.`);
        const refused = validate(req, true);
        if (refused) return refused;
        for (const name of ['name', 'url', 'enabled', 'eventTypes', 'secretKey']) {
          const value = req.field(name);
          if (value !== undefined) hook[name] = name === 'enabled' ? bool(value) : value;
        }
        hook.updatedOn = now();
        return sl.data(view(hook));
      }),
    );
    on(
      'DELETE',
      `${prefix}/:webhookId`,
      scoped((sub, req) =>
        find(sub, req.params.webhookId) && s().eventWebhooks.delete(Number(req.params.webhookId))
          ? sl.noContent()
          : sl.error(404, `Event webhook ${req.params.webhookId} was not found.`),
      ),
    );
    on(
      'GET',
      `${prefix}/:webhookId/perform-test`,
      scoped((sub, req) => {
        const hook = find(sub, req.params.webhookId);
        if (!hook) return sl.error(404, `Event webhook ${req.params.webhookId} was not found.`);
        const type = EVENT_TYPES.find((t) => t.toLowerCase() === String(req.query.type ?? '').toLowerCase());
        if (!type) return sl.error(400, `type must be one of ${EVENT_TYPES.join(', ')}.`);
        return sl.data(sampleEvent(type, hook));
      }),
    );
  };
  webhookRoutes('/v2/event-webhook', () => null);
  webhookRoutes('/v2/subaccount/:subaccountId/event-webhook', (req) => {
    const sub = Number(req.params.subaccountId);
    return s().subaccounts.has(sub) ? sub : sl.error(404, `Subaccount ${req.params.subaccountId} was not found.`);
  });

  // ---- Injection API -------------------------------------------------------------------------------
  on('POST', '/api/v1/email', (req) => inject(fake, req));
}

function entriesOf(store: Map<string, Record<string, unknown>>, sub: number): Array<Record<string, unknown>> {
  return [...store.entries()].filter(([k]) => k.startsWith(`${sub}/`)).map(([, v]) => v);
}

/** The sample the perform-test call answers (S-QS / S-ACCT): `Sent` comes out as the wire type `Delivered`. */
function sampleEvent(type: string, hook: FakeEventWebhook): Record<string, unknown> {
  const wireType = ({ Sent: 'Delivered', Click: 'Tracking', Open: 'Tracking' } as Record<string, string>)[type] ?? type;
  const event: Record<string, unknown> = {
    Type: wireType,
    DateTime: now(),
    MailingId: 'SLNL-0-9999999-9999999',
    MessageId: 'SampleMessageId',
    Address: 'email@example.com',
    ServerId: hook.subaccountId ?? 16332,
    SecretKey: hook.secretKey,
    Data: {
      Meta: [{ Key: 'x-mycustommetadata', Value: 'I am custom metadata' }],
      Tags: ['Sample Tag', 'Sample Message'],
    },
  };
  if (wireType === 'Delivered')
    Object.assign(event, { Response: 'Sample Response', LocalIp: ':01', RemoteMta: 'Sample RemoteMTA' });
  if (wireType === 'Tracking')
    Object.assign(event, {
      TrackingType: type === 'Click' ? 0 : 1,
      ClientIp: '192.0.2.1',
      UserAgent: 'Sample UserAgent',
    });
  if (wireType === 'Failed')
    Object.assign(event, {
      BounceStatus: 'Sample',
      DiagnosticCode: 'Sample',
      FailureCode: 2001,
      FailureType: 'Permanent',
      Reason: 'Sample Reason',
      RemoteMta: 'Sample RemoteMTA',
    });
  if (wireType === 'Deferred') Object.assign(event, { DeferralCode: 4001, Reason: 'Sample Reason' });
  if (wireType === 'Complaint')
    Object.assign(event, {
      UserAgent: 'Sample UserAgent',
      From: 'from@example.com',
      To: 'email@example.com',
      Length: 1234,
    });
  return event;
}

/** The Injection API: PascalCase answers, not wrapped in `data`, per-message and per-address results. */
function inject(fake: FakeSocketLabs, req: FakeHandlerRequest): FakeReply {
  const answer = (ErrorCode: string, MessageResults: unknown[] = [], status = 200): FakeReply => ({
    status,
    body: {
      ErrorCode,
      MessageResults,
      TransactionReceipt: ErrorCode === 'Success' || ErrorCode === 'Warning' ? null : `fake-${randomKey(12)}`,
    },
  });
  const bodyKey = req.field('apiKey');
  if (!fake.authorized(req.headers.authorization) && bodyKey !== fake.apiKey)
    return answer('InvalidAuthentication', [], 401);
  if (!req.body || typeof req.body !== 'object') return answer('InvalidData');
  const serverId = req.field('serverId');
  if (serverId === undefined || serverId === null || serverId === '') return answer('InvalidData');
  const messages = req.field('messages');
  if (!Array.isArray(messages) || messages.length === 0) return answer('NoMessages');

  const results: unknown[] = [];
  for (const [index, raw] of messages.entries()) {
    const msg = (raw ?? {}) as Record<string, unknown>;
    const list = (name: string) => {
      const v = field(msg, name);
      return Array.isArray(v) ? (v as unknown[]) : [];
    };
    const recipients = [...list('to'), ...list('cc'), ...list('bcc')];
    if (recipients.length > 50) return answer('TooManyRecipients');
    const address = (r: unknown) => field(r, 'emailAddress');
    const from = field(msg, 'from');
    const fail = (ErrorCode: string, AddressResults: unknown = null) =>
      results.push({ Index: index, ErrorCode, AddressResults });
    if (!isEmail(address(from))) fail('InvalidFromAddress');
    else if (!String(field(msg, 'subject') ?? '').trim()) fail('EmptySubject');
    else if (list('to').length === 0) fail('EmptyToAddress');
    else if (!['textBody', 'htmlBody', 'ampBody', 'apiTemplate'].some((f) => field(msg, f))) fail('NoValidBodyParts');
    else {
      const rejected = recipients
        .filter((r) => !isEmail(address(r)))
        .map((r) => ({ EmailAddress: String(address(r) ?? ''), Accepted: false, ErrorCode: 'InvalidAddress' }));
      if (rejected.length === recipients.length) fail('NoValidRecipients', rejected);
      else {
        fake.state.injected.push({ serverId, message: msg });
        if (rejected.length) fail('Warning', rejected);
      }
    }
  }
  if (results.length === 0) return answer('Success');
  if (messages.length === 1 && (results[0] as { ErrorCode: string }).ErrorCode === 'NoValidRecipients')
    return answer('NoValidRecipients', results);
  return answer('Warning', results);
}
