import { createTestApp, TestApp } from '../utils/test-app';
import { seedEvent } from './events-seed';

const T = Date.parse('2025-03-01T00:00:00Z');
const at = (minutes: number) => new Date(T + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

describe('Events read API (e2e)', () => {
  let t: TestApp;
  const id: Record<string, string> = {};

  beforeAll(async () => {
    // ROLE=api: no worker in this process, so the seeded pending rows stay exactly as seeded.
    t = await createTestApp({ ROLE: 'api' });
    const ds = t.dataSource;
    // Seeded in the order they were received: ids are handed out as events are stored (sortField=receivedAt).
    // A dead row whose raw still holds a SecretKey (an older receiver, say): it must never be shown.
    id.dead = await seedEvent(ds, {
      state: 'failed',
      type: 'Complaint',
      lastError: 'boom',
      attempts: 5,
      address: 'frank@example.com',
      occurredAt: at(29),
      receivedAt: at(30),
      rawEvent: {
        Type: 'Complaint',
        SecretKey: 'top-secret-1',
        Address: 'frank@example.com',
        Data: { Meta: [{ Key: 'a', Value: 'b' }], secretkey: 'top-secret-2' },
      },
    });
    id.delivered = await seedEvent(ds, {
      type: 'Delivered',
      address: 'Jane@Example.com',
      messageId: 'm1',
      mailingId: 'mail-A',
      serverId: 100,
      subaccountId: 7,
      occurredAt: at(60),
      receivedAt: at(61),
      response: '250 OK',
    });
    id.bounce = await seedEvent(ds, {
      type: 'Failed',
      address: 'jane@example.com',
      messageId: 'm1',
      mailingId: 'mail-A',
      serverId: 100,
      subaccountId: 7,
      failureType: 'Permanent',
      failureCode: 2001,
      reason: 'no such user',
      occurredAt: at(120),
      receivedAt: at(121),
    });
    id.open = await seedEvent(ds, {
      type: 'Tracking',
      trackingType: 'Open',
      address: 'bob@example.com',
      messageId: 'm2',
      mailingId: 'mail-B',
      serverId: 200,
      subaccountId: 8,
      occurredAt: at(180),
      receivedAt: at(181),
      meta: [{ key: 'customerId', value: '42' }],
      tags: ['spring'],
      extra: { Surprise: 1, secretKey: 'leak' },
    });
    id.click = await seedEvent(ds, {
      type: 'Tracking',
      trackingType: 'Click',
      address: 'bob@example.com',
      messageId: 'm2',
      mailingId: 'mail-B',
      serverId: 200,
      subaccountId: 8,
      url: 'https://example.com/x',
      occurredAt: at(240),
      receivedAt: at(241),
    });
    id.deferred = await seedEvent(ds, {
      type: 'Deferred',
      address: 'carol@example.com',
      messageId: 'm3',
      serverId: 100,
      subaccountId: 9,
      deferralCode: 4000,
      occurredAt: at(300),
      receivedAt: at(301),
    });
    // Pending, and undated (no DateTime): its type as sent in lower case, stored canonical.
    id.pending = await seedEvent(ds, {
      state: 'pending',
      type: 'Delivered',
      address: 'eve@example.com',
      messageId: 'm9',
      occurredAt: null,
      receivedAt: at(360),
      rawEvent: { type: 'delivered', Address: 'eve@example.com', MessageId: 'm9' },
    });
    // An unknown type is stored lower-cased.
    id.unknown = await seedEvent(ds, {
      type: 'bounce',
      knownType: false,
      address: 'gina@example.com',
      occurredAt: at(420),
      receivedAt: at(421),
    });
    id.soft = await seedEvent(ds, {
      type: 'Failed',
      failureType: 'Temporary',
      failureCode: 4003,
      address: 'dave@example.com',
      messageId: 'm4',
      occurredAt: at(480),
      receivedAt: at(481),
    });
  });

  afterAll(async () => {
    await t.close();
  });

  async function ids(query: string): Promise<{ ids: string[]; total: number }> {
    const res = await t.request({ method: 'GET', url: `/api/v1/events${query}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ data: Array<{ id: string }>; total: number }>();
    return { ids: body.data.map((e) => e.id), total: body.total };
  }
  const set = (...names: string[]) => names.map((n) => id[n]).sort();

  it('lists every event, newest occurredAt first, undated events last; lists omit raw', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/events' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 9, totalExact: true });
    expect(body.data.map((e: { id: string }) => e.id)).toEqual([
      id.soft,
      id.unknown,
      id.deferred,
      id.click,
      id.open,
      id.bounce,
      id.delivered,
      id.dead,
      id.pending,
    ]);
    for (const e of body.data) expect(e).not.toHaveProperty('raw');
    const open = body.data.find((e: { id: string }) => e.id === id.open);
    expect(open).toMatchObject({
      type: 'Tracking',
      state: 'processed',
      trackingType: 'Open',
      address: 'bob@example.com',
      messageId: 'm2',
      mailingId: 'mail-B',
      serverId: 200,
      subaccountId: 8,
      occurredAt: iso(180),
      meta: [{ key: 'customerId', value: '42' }],
      tags: ['spring'],
      extra: { Surprise: 1 },
    });
    expect(open.extra).not.toHaveProperty('secretKey');
    const pending = body.data.find((e: { id: string }) => e.id === id.pending);
    // Pending, but with its typed columns: the receiver wrote them. Undated: occurredAt null.
    expect(pending).toMatchObject({
      type: 'Delivered',
      knownType: true,
      state: 'pending',
      attempts: 0,
      lastError: null,
      occurredAt: null,
      address: 'eve@example.com',
      messageId: 'm9',
    });
    expect(pending).not.toHaveProperty('processedAt');
  });

  it('sorts by occurredAt, receivedAt and id in both directions', async () => {
    expect((await ids('?sortDirection=asc')).ids).toEqual([
      id.pending,
      id.dead,
      id.delivered,
      id.bounce,
      id.open,
      id.click,
      id.deferred,
      id.unknown,
      id.soft,
    ]);
    expect((await ids('?sortField=receivedAt&sortDirection=asc')).ids).toEqual([
      id.dead,
      id.delivered,
      id.bounce,
      id.open,
      id.click,
      id.deferred,
      id.pending,
      id.unknown,
      id.soft,
    ]);
    expect((await ids('?sortField=receivedAt&sortDirection=desc')).ids).toEqual([
      id.soft,
      id.unknown,
      id.pending,
      id.deferred,
      id.click,
      id.open,
      id.bounce,
      id.delivered,
      id.dead,
    ]);
    const all = Object.values(id).sort((a, b) => Number(a) - Number(b));
    expect((await ids('?sortField=id&sortDirection=asc')).ids).toEqual(all);
    expect((await ids('?sortField=id')).ids).toEqual([...all].reverse());
  });

  it('orders a time window by occurredAt, whatever the state, and pages across it', async () => {
    const window = `from=${iso(0)}&to=${iso(200)}`;
    const desc = [id.open, id.bounce, id.delivered, id.dead];
    expect(await ids(`?${window}`)).toEqual({ ids: desc, total: 4 });
    expect(await ids(`?${window}&sortDirection=asc`)).toEqual({ ids: [...desc].reverse(), total: 4 });
    const paged: string[] = [];
    for (let page = 0; page < 3; page++) {
      const p = await ids(`?${window}&sortDirection=asc&pageSize=3&pageNumber=${page}`);
      expect(p.total).toBe(4);
      paged.push(...p.ids);
    }
    expect(paged).toEqual([...desc].reverse());
    expect((await ids(`?${window}&pageSize=1&pageNumber=1`)).ids).toEqual([id.bounce]);
    expect((await ids(`?${window}&sortField=id&sortDirection=asc`)).ids).toEqual([
      id.dead,
      id.delivered,
      id.bounce,
      id.open,
    ]);
    expect((await ids(`?${window}&state=failed`)).ids).toEqual([id.dead]);
    expect((await ids(`?${window}&serverId=100`)).ids).toEqual([id.bounce, id.delivered]);
  });

  it('pages with a 0-based pageNumber; total ignores paging', async () => {
    const all = (await ids('?sortField=id&sortDirection=asc')).ids;
    const pages = [];
    for (let page = 0; page < 5; page++) {
      const p = await ids(`?sortField=id&sortDirection=asc&pageSize=2&pageNumber=${page}`);
      expect(p.total).toBe(9);
      pages.push(...p.ids);
    }
    expect(pages).toEqual(all);
    expect(await ids('?pageSize=2&pageNumber=5')).toEqual({ ids: [], total: 9 });
  });

  it.each([
    ['type=delivered', ['delivered', 'pending']],
    ['type=FAILED', ['bounce', 'soft']],
    ['type=bounce', ['unknown']],
    ['type=Queued', []],
    ['trackingType=open', ['open']],
    ['trackingType=CLICK', ['click']],
    ['trackingType=0', ['click']],
    ['trackingType=1', ['open']],
    ['address=JANE@example.COM', ['delivered', 'bounce']],
    ['messageId=m2', ['open', 'click']],
    ['mailingId=mail-A', ['delivered', 'bounce']],
    ['serverId=200', ['open', 'click']],
    ['subaccountId=9', ['deferred']],
    ['failureType=permanent', ['bounce']],
    ['failureType=TEMPORARY', ['soft']],
    ['state=pending', ['pending']],
    ['state=failed', ['dead']],
    // occurredAt in [from, to): 'deferred' occurred exactly at `to` and is out.
    [`from=${iso(120)}&to=${iso(300)}`, ['bounce', 'open', 'click']],
    [`from=${iso(0)}&to=${iso(60)}`, ['dead']],
    [`from=${iso(400)}`, ['unknown', 'soft']],
    // An undated event ('pending') is in no window, not even one with only an end.
    [`to=${iso(61)}`, ['delivered', 'dead']],
    [`to=${iso(120)}`, ['delivered', 'dead']],
    ['state=processed&type=failed', ['bounce', 'soft']],
    ['state=failed&type=complaint', ['dead']],
    ['address=jane@example.com&failureType=permanent&from=2025-03-01T01:30:00Z', ['bounce']],
    ['serverId=100&type=deferred', ['deferred']],
  ])('filters %s', async (query, expected) => {
    const res = await ids(`?${query}`);
    expect([...res.ids].sort()).toEqual(set(...expected));
    expect(res.total).toBe(expected.length);
  });

  it('counts state=processed and knows which events are unknown types', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/events?state=processed&type=bounce' });
    expect(res.json().data[0]).toMatchObject({ id: id.unknown, type: 'bounce', knownType: false });
    expect((await ids('?state=processed')).total).toBe(7);
  });

  it.each([
    ['pageSize=0', 'pageSize'],
    ['pageSize=501', 'pageSize'],
    ['pageNumber=-1', 'pageNumber'],
    ['pageNumber=x', 'pageNumber'],
    ['sortField=subject', 'sortField'],
    ['sortDirection=up', 'sortDirection'],
    ['trackingType=hover', 'trackingType'],
    ['trackingType=3', 'trackingType'],
    ['failureType=soft', 'failureType'],
    ['state=done', 'state'],
    ['from=yesterday', 'from'],
    ['to=2025-13-45', 'to'],
    ['serverId=abc', 'serverId'],
    ['serverId=99999999999', 'serverId'],
    ['subaccountId=1.5', 'subaccountId'],
    [`from=${iso(60)}&to=${iso(0)}`, 'to'],
  ])('answers 400 for %s, naming %s', async (query, name) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/events?${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(res.json().message)).toContain(name);
  });

  it('returns one event with its raw payload parsed, and never a SecretKey', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/events/${id.dead}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: id.dead,
      state: 'failed',
      lastError: 'boom',
      attempts: 5,
      type: 'Complaint',
      receivedAt: iso(30),
    });
    expect(body.raw).toEqual({
      Type: 'Complaint',
      Address: 'frank@example.com',
      Data: { Meta: [{ Key: 'a', Value: 'b' }] },
    });
    expect(res.body).not.toMatch(/secretkey/i);
    expect(res.body).not.toContain('top-secret');

    const processed = await t.request({ method: 'GET', url: `/api/v1/events/${id.open}` });
    expect(processed.json()).toMatchObject({
      id: id.open,
      trackingType: 'Open',
      raw: { Type: 'Tracking', Address: 'bob@example.com' },
    });
    expect(processed.body).not.toMatch(/secretkey/i);
  });

  it('answers 400 for a non-numeric or out-of-range id and 404 for an unknown one', async () => {
    for (const bad of ['abc', '1.5', '-1', '0', '99999999999999999999']) {
      const res = await t.request({ method: 'GET', url: `/api/v1/events/${bad}` });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().message)).toContain('id');
    }
    const missing = await t.request({ method: 'GET', url: '/api/v1/events/987654321' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', message: 'Event 987654321 was not found' });
  });

  it('counts events per type, tracking type and state in one answer', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/events/stats' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      from: null,
      to: null,
      total: 9,
      byType: { queued: 0, deferred: 1, delivered: 2, failed: 2, tracking: 2, complaint: 1, unknown: 1 },
      byTrackingType: { click: 1, open: 1, unsubscribe: 0 },
      byState: { pending: 1, processed: 7, failed: 1 },
      oldestPendingReceivedAt: iso(360),
    });

    // Widened to whole hours (03:20 -> 04:00), and the answer says so; the undated event is in no window.
    const window = await t.request({ method: 'GET', url: `/api/v1/events/stats?from=${iso(0)}&to=${iso(200)}` });
    expect(window.json()).toMatchObject({
      from: iso(0),
      to: iso(240),
      total: 4,
      byType: { delivered: 1, failed: 1, tracking: 1, complaint: 1, deferred: 0, unknown: 0 },
      byTrackingType: { open: 1, click: 0 },
      byState: { pending: 0, processed: 3, failed: 1 },
      oldestPendingReceivedAt: iso(360),
    });
    const before = await t.request({ method: 'GET', url: `/api/v1/events/stats?to=${iso(120)}` });
    expect(before.json()).toMatchObject({
      from: null,
      to: iso(120),
      total: 2,
      byState: { pending: 0, processed: 1, failed: 1 },
    });

    const bad = await t.request({ method: 'GET', url: '/api/v1/events/stats?from=soon' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().message)).toContain('from');
  });

  it('lets an events:read key read but not replay; no key is 401', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'reader', scopes: ['events:read'] },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json().key as string;

    for (const url of ['/api/v1/events', `/api/v1/events/${id.open}`, '/api/v1/events/stats']) {
      expect((await t.request({ method: 'GET', url, apiKey: key })).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url, apiKey: null })).statusCode).toBe(401);
    }
    const one = await t.request({ method: 'POST', url: `/api/v1/events/${id.dead}/replay`, apiKey: key });
    expect(one.statusCode).toBe(403);
    const many = await t.request({
      method: 'POST',
      url: '/api/v1/events/replay',
      body: { state: 'failed' },
      apiKey: key,
    });
    expect(many.statusCode).toBe(403);
    const [row] = await t.dataSource.query('SELECT state, attempts FROM event_backlog WHERE event_id = $1', [id.dead]);
    expect(row).toEqual({ state: 'failed', attempts: 5 });
  });

  it('documents every route with its operationId, scope and response types', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs-json', apiKey: null })).json();
    const op = (path: string, method: string) => doc.paths[path]?.[method];
    expect(op('/api/v1/events', 'get').operationId).toBe('listEvents');
    expect(op('/api/v1/events/{id}', 'get').operationId).toBe('getEvent');
    expect(op('/api/v1/events/stats', 'get').operationId).toBe('getEventStats');
    expect(op('/api/v1/events/{id}/replay', 'post').operationId).toBe('replayEvent');
    expect(op('/api/v1/events/replay', 'post').operationId).toBe('replayEvents');
    const list = op('/api/v1/events', 'get');
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403', '429']);
    expect(list.responses['200'].content['application/json'].schema.$ref).toMatch(/EventListResponseDto$/);
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'type',
        'trackingType',
        'address',
        'messageId',
        'mailingId',
        'serverId',
        'subaccountId',
        'failureType',
        'state',
        'from',
        'to',
        'pageNumber',
        'pageSize',
        'sortField',
        'sortDirection',
      ]),
    );
    expect(Object.keys(op('/api/v1/events/{id}', 'get').responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '429',
    ]);
    expect(Object.keys(op('/api/v1/events/{id}/replay', 'post').responses)).toContain('202');
    expect(doc.components.schemas.EventDetailResponseDto.properties).toHaveProperty('raw');
    expect(doc.components.schemas.EventResponseDto.properties).not.toHaveProperty('raw');
  });
});
