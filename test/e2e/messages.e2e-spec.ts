import { createTestApp, TestApp } from '../utils/test-app';
import { seedEvent, seedMessage } from './events-seed';

const T = Date.parse('2025-03-01T00:00:00Z');
const at = (minutes: number) => new Date(T + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

describe('Messages read API (e2e)', () => {
  let t: TestApp;
  const id: Record<string, string> = {};
  const ev: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api' });
    const ds = t.dataSource;
    id.janeM1 = await seedMessage(ds, {
      messageId: 'm1',
      address: 'jane@example.com',
      mailingId: 'mail-A',
      serverId: 100,
      subaccountId: 7,
      status: 'failed',
      statusAt: at(50),
      failureType: 'Permanent',
      failureCode: 2001,
      failureReason: 'no such user',
      queuedAt: at(0),
      deliveredAt: at(10),
      failedAt: at(50),
      firstOpenedAt: at(20),
      openCount: 2,
      eventCount: 5,
      firstEventAt: at(0),
      lastEventAt: at(50),
    });
    id.bobM1 = await seedMessage(ds, {
      messageId: 'm1',
      address: 'bob@example.com',
      mailingId: 'mail-A',
      serverId: 100,
      subaccountId: 7,
      status: 'delivered',
      statusAt: at(15),
      queuedAt: at(1),
      deliveredAt: at(15),
      firstClickedAt: at(70),
      clickCount: 1,
      eventCount: 3,
      firstEventAt: at(1),
      lastEventAt: at(70),
    });
    id.janeM2 = await seedMessage(ds, {
      messageId: 'm2',
      address: 'jane@example.com',
      mailingId: 'mail-B',
      serverId: 200,
      subaccountId: 8,
      status: 'complained',
      statusAt: at(90),
      complainedAt: at(90),
      unsubscribedAt: at(95),
      eventCount: 2,
      firstEventAt: at(30),
      lastEventAt: at(95),
    });
    id.carolM3 = await seedMessage(ds, {
      messageId: 'm3',
      address: 'carol@example.com',
      serverId: 100,
      subaccountId: 9,
      status: 'deferred',
      statusAt: at(40),
      eventCount: 1,
      firstEventAt: at(40),
      lastEventAt: at(40),
    });

    // The timeline of (m1, jane): inserted out of order, one address in another case, a tie on occurredAt
    // broken by id, and rows that must stay out (another recipient, another message, a pending row).
    ev.failed = await seedEvent(ds, {
      type: 'Failed',
      messageId: 'm1',
      address: 'jane@example.com',
      failureType: 'Permanent',
      occurredAt: at(50),
    });
    ev.queued = await seedEvent(ds, {
      type: 'Queued',
      messageId: 'm1',
      address: 'JANE@example.com',
      occurredAt: at(0),
    });
    ev.open1 = await seedEvent(ds, {
      type: 'Tracking',
      trackingType: 'Open',
      messageId: 'm1',
      address: 'jane@example.com',
      occurredAt: at(20),
    });
    ev.delivered = await seedEvent(ds, {
      type: 'Delivered',
      messageId: 'm1',
      address: 'Jane@Example.com',
      occurredAt: at(10),
    });
    ev.open2 = await seedEvent(ds, {
      type: 'Tracking',
      trackingType: 'Open',
      messageId: 'm1',
      address: 'jane@example.com',
      occurredAt: at(20),
    });
    await seedEvent(ds, { type: 'Delivered', messageId: 'm1', address: 'bob@example.com', occurredAt: at(15) });
    await seedEvent(ds, { type: 'Complaint', messageId: 'm2', address: 'jane@example.com', occurredAt: at(90) });
    await seedEvent(ds, { state: 'pending', type: 'Tracking', messageId: 'm1', address: 'jane@example.com' });
  });

  afterAll(async () => {
    await t.close();
  });

  async function ids(query: string): Promise<{ ids: string[]; total: number }> {
    const res = await t.request({ method: 'GET', url: `/api/v1/messages${query}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ data: Array<{ id: string }>; total: number }>();
    return { ids: body.data.map((m) => m.id), total: body.total };
  }

  it('lists one row per message and recipient, most recently active first, with status and engagement', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/messages' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(4);
    expect(body.data.map((m: { id: string }) => m.id)).toEqual([id.janeM2, id.bobM1, id.janeM1, id.carolM3]);
    expect(body.data.find((m: { id: string }) => m.id === id.janeM1)).toEqual({
      id: id.janeM1,
      messageId: 'm1',
      address: 'jane@example.com',
      mailingId: 'mail-A',
      serverId: 100,
      subaccountId: 7,
      status: 'failed',
      statusAt: iso(50),
      failureType: 'Permanent',
      failureCode: 2001,
      failureReason: 'no such user',
      queuedAt: iso(0),
      deliveredAt: iso(10),
      failedAt: iso(50),
      complainedAt: null,
      engagement: {
        opened: true,
        firstOpenedAt: iso(20),
        openCount: 2,
        clicked: false,
        firstClickedAt: null,
        clickCount: 0,
        unsubscribed: false,
        unsubscribedAt: null,
      },
      eventCount: 5,
      firstEventAt: iso(0),
      lastEventAt: iso(50),
      updatedAt: expect.any(String),
    });
    expect(body.data.find((m: { id: string }) => m.id === id.janeM2).engagement).toMatchObject({
      unsubscribed: true,
      unsubscribedAt: iso(95),
      opened: false,
    });
    expect(body.data.find((m: { id: string }) => m.id === id.bobM1).engagement).toMatchObject({
      clicked: true,
      clickCount: 1,
      firstClickedAt: iso(70),
    });
  });

  it.each([
    ['messageId=m1', ['janeM1', 'bobM1']],
    ['mailingId=mail-B', ['janeM2']],
    ['address=JANE@Example.com', ['janeM1', 'janeM2']],
    ['status=deferred', ['carolM3']],
    ['status=FAILED', ['janeM1']],
    ['status=suppressed', []],
    ['serverId=100', ['janeM1', 'bobM1', 'carolM3']],
    ['subaccountId=7', ['janeM1', 'bobM1']],
    ['messageId=m1&address=jane@example.com', ['janeM1']],
    ['serverId=100&status=delivered&mailingId=mail-A', ['bobM1']],
  ])('filters %s', async (query, expected) => {
    const res = await ids(`?${query}`);
    expect([...res.ids].sort()).toEqual(expected.map((n) => id[n]).sort());
    expect(res.total).toBe(expected.length);
  });

  it('sorts by every sort field in both directions and pages with a 0-based pageNumber', async () => {
    expect((await ids('?sortDirection=asc')).ids).toEqual([id.carolM3, id.janeM1, id.bobM1, id.janeM2]);
    expect((await ids('?sortField=statusAt&sortDirection=asc')).ids).toEqual([
      id.bobM1,
      id.carolM3,
      id.janeM1,
      id.janeM2,
    ]);
    expect((await ids('?sortField=statusAt&sortDirection=desc')).ids).toEqual([
      id.janeM2,
      id.janeM1,
      id.carolM3,
      id.bobM1,
    ]);
    expect((await ids('?sortField=firstEventAt&sortDirection=asc')).ids).toEqual([
      id.janeM1,
      id.bobM1,
      id.janeM2,
      id.carolM3,
    ]);
    expect((await ids('?sortField=firstEventAt')).ids).toEqual([id.carolM3, id.janeM2, id.bobM1, id.janeM1]);
    expect((await ids('?sortField=id&sortDirection=asc')).ids).toEqual([id.janeM1, id.bobM1, id.janeM2, id.carolM3]);

    const page0 = await ids('?sortField=id&sortDirection=asc&pageSize=3&pageNumber=0');
    const page1 = await ids('?sortField=id&sortDirection=asc&pageSize=3&pageNumber=1');
    expect(page0).toEqual({ ids: [id.janeM1, id.bobM1, id.janeM2], total: 4 });
    expect(page1).toEqual({ ids: [id.carolM3], total: 4 });
  });

  it.each([
    ['status=bounced', 'status'],
    ['sortField=address', 'sortField'],
    ['pageSize=0', 'pageSize'],
    ['serverId=x', 'serverId'],
  ])('answers 400 for %s', async (query, name) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/messages?${query}` });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain(name);
  });

  it('returns a message with the timeline of its processed events, by occurredAt then id', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/messages/${id.janeM1}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id: id.janeM1, messageId: 'm1', address: 'jane@example.com', status: 'failed' });
    expect(body.timeline.map((e: { id: string }) => e.id)).toEqual([
      ev.queued,
      ev.delivered,
      ev.open1,
      ev.open2,
      ev.failed,
    ]);
    expect(body.timeline.map((e: { type: string }) => e.type)).toEqual([
      'Queued',
      'Delivered',
      'Tracking',
      'Tracking',
      'Failed',
    ]);
    for (const e of body.timeline) expect(e).not.toHaveProperty('raw');
  });

  it('answers 404 for an unknown message and 400 for a bad id; needs a key', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/messages/987654321' })).json()).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
    });
    expect((await t.request({ method: 'GET', url: '/api/v1/messages/m1' })).statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', apiKey: null })).statusCode).toBe(401);
    const key = (
      await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name: 'reader', scopes: ['events:read'] } })
    ).json().key;
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${id.janeM1}`, apiKey: key })).statusCode).toBe(
      200,
    );
    const other = (
      await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        body: { name: 'sender', scopes: ['socketlabs:write'] },
      })
    ).json().key;
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', apiKey: other })).statusCode).toBe(403);
  });
});
