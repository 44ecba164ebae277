import { DataSource } from 'typeorm';
import { FormRawAsSent1796342400000 } from '../../src/core/database/migrations/1796342400000-FormRawAsSent';
import { parseStoredEvent } from '../../src/webhooks/receiver/webhook-body.parser';
import { databaseMigratedTo } from '../utils/test-database';

/** Form rows stored as the JSON of their fields by older versions are rewritten as the body's own pairs. */
describe('migration FormRawAsSent (PostgreSQL)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    // The schema this migration ran on: email_events before EventsWrittenOnce (text dedupe key, no partitions).
    ({ dataSource: ds, drop } = await databaseMigratedTo(FormRawAsSent1796342400000));
  });

  afterAll(async () => {
    await drop?.();
  });

  async function insert(format: string, raw: string): Promise<string> {
    const [{ id }] = await ds.query(
      `INSERT INTO email_events (received_at, dedupe_key, format, raw, type) VALUES (now(), md5(random()::text), $1, $2, 'Delivered') RETURNING id::text AS id`,
      [format, raw],
    );
    return id;
  }

  it('rewrites legacy form rows, leaves JSON rows and unreadable text alone, and goes back down', async () => {
    const legacy = { Type: 'Delivered', Response: '250 ok\r\n', MailingId: '', Repeated: ['a', 'b'], __proto__x: 'y' };
    const form = await insert('form', JSON.stringify(legacy));
    const json = await insert('json', '{"Type":"Delivered","A":1.0}');
    const odd = await insert('form', 'not json at all');
    const migration = new FormRawAsSent1796342400000();
    const runner = ds.createQueryRunner();
    try {
      await migration.up(runner);
      const raw = async (id: string) =>
        (await ds.query('SELECT raw FROM email_events WHERE id = $1', [id]))[0].raw as string;
      expect(await raw(form)).toBe(
        'Type=Delivered&Response=250+ok%0D%0A&MailingId=&Repeated=a&Repeated=b&__proto__x=y',
      );
      expect(parseStoredEvent(await raw(form), 'form')).toEqual(legacy);
      expect(await raw(json)).toBe('{"Type":"Delivered","A":1.0}');
      expect(await raw(odd)).toBe('not json at all');

      await migration.down(runner);
      expect(JSON.parse(await raw(form))).toEqual(legacy);
      expect(await raw(json)).toBe('{"Type":"Delivered","A":1.0}');
    } finally {
      await runner.release();
    }
  });
});
