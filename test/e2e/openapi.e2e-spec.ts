import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, TestApp } from '../utils/test-app';

const COMMITTED = join(__dirname, '..', '..', 'openapi.json');

/**
 * The OpenAPI document is committed (openapi.json) so that every API change shows in a diff.
 * `npm run openapi` rewrites it; this test fails when the committed copy is stale.
 */
describe('OpenAPI document', () => {
  let t: TestApp;
  let served: any;
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.request({ method: 'GET', url: '/docs-json', apiKey: null });
    expect(res.statusCode).toBe(200);
    served = res.json();
  });
  afterAll(async () => {
    await t.close();
  });

  it('matches the committed openapi.json (run `npm run openapi` after changing the API)', () => {
    const text = `${JSON.stringify(served, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, text);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(text);
  });

  it('documents auth on every internal API operation and gives each one a unique id and a description', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(served.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect({ where, operationId: op.operationId }).toEqual({ where, operationId: expect.any(String) });
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect({ where, described: Boolean(op.summary || op.description) }).toEqual({ where, described: true });
        if (path.startsWith('/api/v1/')) {
          expect({ where, security: op.security }).toEqual({
            where,
            security: expect.arrayContaining([{ bearer: [] }]),
          });
          expect({ where, has401: Boolean(op.responses?.['401']) }).toEqual({ where, has401: true });
        }
      }
    }
  });

  it('documents total and totalExact on the lists that count cheaply, and no processedAt on events', () => {
    const schemas = served.components.schemas;
    for (const name of ['EventListResponseDto', 'MessageListResponseDto', 'SuppressionListResponseDto']) {
      expect({ name, required: schemas[name].required }).toEqual({
        name,
        required: expect.arrayContaining(['data', 'total', 'totalExact']),
      });
      expect(schemas[name].properties.totalExact).toMatchObject({ type: 'boolean' });
    }
    expect(schemas.EventResponseDto.properties).not.toHaveProperty('processedAt');
    expect(schemas.EventResponseDto.properties.occurredAt).toMatchObject({ nullable: true });
  });
});
