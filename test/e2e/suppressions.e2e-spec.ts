import { createTestApp, TestApp } from '../utils/test-app';
import { seedSuppression } from './events-seed';

const T = Date.parse('2025-03-01T00:00:00Z');
const at = (minutes: number) => new Date(T + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

describe('Suppressions API (e2e)', () => {
  let t: TestApp;
  let reader: string;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api' });
    const ds = t.dataSource;
    await seedSuppression(ds, {
      address: 'ann+news@example.com',
      reason: 'unsubscribe',
      eventId: '11',
      occurredAt: at(30),
      messageId: 'm1',
      createdAt: at(31),
      updatedAt: at(200),
    });
    await seedSuppression(ds, {
      address: 'bob@example.com',
      reason: 'permanent_failure',
      eventId: '12',
      occurredAt: at(10),
      messageId: 'm2',
      failureCode: 2001,
      createdAt: at(11),
      updatedAt: at(11),
    });
    await seedSuppression(ds, {
      address: 'cara@example.com',
      reason: 'complaint',
      eventId: '13',
      occurredAt: at(50),
      messageId: 'm3',
      createdAt: at(51),
      updatedAt: at(100),
    });
    reader = (
      await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name: 'reader', scopes: ['events:read'] } })
    ).json().key;
  });

  afterAll(async () => {
    await t.close();
  });

  async function addresses(query: string): Promise<{ addresses: string[]; total: number }> {
    const res = await t.request({ method: 'GET', url: `/api/v1/suppressions${query}`, apiKey: reader });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ data: Array<{ address: string }>; total: number }>();
    return { addresses: body.data.map((s) => s.address), total: body.total };
  }

  it('lists the suppression list, newest first, each entry with its reason and event', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/suppressions', apiKey: reader });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      total: 3,
      totalExact: true,
      data: [
        {
          address: 'cara@example.com',
          reason: 'complaint',
          eventId: '13',
          occurredAt: iso(50),
          messageId: 'm3',
          failureCode: null,
          createdAt: iso(51),
          updatedAt: iso(100),
          erased: false,
        },
        {
          address: 'ann+news@example.com',
          reason: 'unsubscribe',
          eventId: '11',
          occurredAt: iso(30),
          messageId: 'm1',
          failureCode: null,
          createdAt: iso(31),
          updatedAt: iso(200),
          erased: false,
        },
        {
          address: 'bob@example.com',
          reason: 'permanent_failure',
          eventId: '12',
          occurredAt: iso(10),
          messageId: 'm2',
          failureCode: 2001,
          createdAt: iso(11),
          updatedAt: iso(11),
          erased: false,
        },
      ],
    });
  });

  it.each([
    ['address=BOB@example.com', ['bob@example.com']],
    ['address=nobody@example.com', []],
    ['reason=complaint', ['cara@example.com']],
    ['reason=PERMANENT_FAILURE', ['bob@example.com']],
    ['reason=unsubscribe&address=ann%2Bnews@example.com', ['ann+news@example.com']],
    ['reason=complaint&address=bob@example.com', []],
  ])('filters %s', async (query, expected) => {
    const res = await addresses(`?${query}`);
    expect(res.addresses.sort()).toEqual(expected);
    expect(res.total).toBe(expected.length);
  });

  it('sorts by every sort field in both directions and pages', async () => {
    expect((await addresses('?sortField=address&sortDirection=asc')).addresses).toEqual([
      'ann+news@example.com',
      'bob@example.com',
      'cara@example.com',
    ]);
    expect((await addresses('?sortField=address')).addresses).toEqual([
      'cara@example.com',
      'bob@example.com',
      'ann+news@example.com',
    ]);
    expect((await addresses('?sortField=updatedAt')).addresses).toEqual([
      'ann+news@example.com',
      'cara@example.com',
      'bob@example.com',
    ]);
    expect((await addresses('?sortField=occurredAt&sortDirection=asc')).addresses).toEqual([
      'bob@example.com',
      'ann+news@example.com',
      'cara@example.com',
    ]);
    expect((await addresses('?sortField=createdAt&sortDirection=asc')).addresses).toEqual([
      'bob@example.com',
      'ann+news@example.com',
      'cara@example.com',
    ]);
    expect(await addresses('?sortField=address&sortDirection=asc&pageSize=2&pageNumber=1')).toEqual({
      addresses: ['cara@example.com'],
      total: 3,
    });
  });

  it.each([
    ['reason=bounce', 'reason'],
    ['sortField=reason', 'sortField'],
    ['pageSize=1000', 'pageSize'],
  ])('answers 400 for %s', async (query, name) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/suppressions?${query}`, apiKey: reader });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain(name);
  });

  it('checks one address, case-insensitive: 200 when suppressed, 404 when it may be sent to', async () => {
    const hit = await t.request({
      method: 'GET',
      url: `/api/v1/suppressions/${encodeURIComponent('Ann+News@Example.com')}`,
      apiKey: reader,
    });
    expect(hit.statusCode).toBe(200);
    expect(hit.json()).toMatchObject({ address: 'ann+news@example.com', reason: 'unsubscribe', eventId: '11' });
    const miss = await t.request({ method: 'GET', url: '/api/v1/suppressions/nobody@example.com', apiKey: reader });
    expect(miss.statusCode).toBe(404);
    expect(miss.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/suppressions/bob@example.com', apiKey: null })).statusCode,
    ).toBe(401);
  });

  it('lets an admin remove an address (audited), not an events:read key', async () => {
    const forbidden = await t.request({
      method: 'DELETE',
      url: '/api/v1/suppressions/bob@example.com',
      apiKey: reader,
    });
    expect(forbidden.statusCode).toBe(403);

    const removed = await t.request({ method: 'DELETE', url: '/api/v1/suppressions/BOB@example.com' });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({
      address: 'bob@example.com',
      reason: 'permanent_failure',
      eventId: '12',
      occurredAt: iso(10),
      messageId: 'm2',
      failureCode: 2001,
      createdAt: iso(11),
      updatedAt: iso(11),
      erased: false,
    });
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/suppressions/bob@example.com', apiKey: reader })).statusCode,
    ).toBe(404);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/suppressions/bob@example.com' })).statusCode).toBe(404);
    expect((await addresses('')).total).toBe(2);

    const audit = await t.request({ method: 'GET', url: '/api/v1/audit-log?action=suppressions.delete' });
    expect(audit.json().data).toHaveLength(1);
    expect(audit.json().data[0]).toMatchObject({
      target: 'bob@example.com',
      status: 200,
      details: { reason: 'permanent_failure', eventId: '12' },
    });
  });
});
