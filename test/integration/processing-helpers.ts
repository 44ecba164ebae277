import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobName, QueueName, processEventsJobId } from '../../src/core/queue/queue.constants';
import { waitFor } from '../utils/test-app';

export interface InsertOptions {
  format?: 'json' | 'form';
  /** Seconds from now; negative is in the past. A row received in the future is never swept. */
  receivedInSeconds?: number;
  attempts?: number;
  dedupeKey?: string;
}

/** Inserts a row exactly as the receiver does (state pending, raw without SecretKey: JSON text, or a form body's pairs). */
export async function insertEvent(ds: DataSource, event: Record<string, unknown>, o: InsertOptions = {}): Promise<string> {
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO email_events (received_at, dedupe_key, format, raw, type, attempts)
     VALUES (now() + make_interval(secs => $1), $2, $3, $4, $5, $6) RETURNING id::text AS id`,
    [
      o.receivedInSeconds ?? 0,
      o.dedupeKey ?? `test-${randomBytes(8).toString('hex')}`,
      o.format ?? 'json',
      (o.format ?? 'json') === 'form' ? new URLSearchParams(event as Record<string, string>).toString() : JSON.stringify(event),
      typeof event.Type === 'string' ? event.Type : null,
      o.attempts ?? 0,
    ],
  );
  return rows[0].id;
}

export async function insertEvents(ds: DataSource, events: Record<string, unknown>[], o: InsertOptions = {}): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) ids.push(await insertEvent(ds, e, o));
  return ids;
}

export function eventsQueue(app: INestApplicationContext): Queue {
  return app.get<Queue>(getQueueToken(QueueName.Events));
}

/** Adds the job exactly as the receiver does. */
export async function enqueue(app: INestApplicationContext, ids: string[]): Promise<void> {
  await eventsQueue(app).add(JobName.ProcessEvents, { eventIds: ids }, { jobId: processEventsJobId(ids) });
}

/** A job object for calling `process()` directly, outside the queue. */
export function fakeJob(ids: string[]): Job {
  return { id: `direct-${ids[0]}`, name: JobName.ProcessEvents, data: { eventIds: ids } } as unknown as Job;
}

export async function states(ds: DataSource, ids: string[]): Promise<Record<string, string>> {
  const rows: { id: string; state: string }[] = await ds.query(`SELECT id::text AS id, state FROM email_events WHERE id = ANY($1::bigint[])`, [ids]);
  return Object.fromEntries(rows.map((r) => [r.id, r.state]));
}

export async function waitProcessed(ds: DataSource, ids: string[], timeoutMs = 15000): Promise<void> {
  await waitFor(
    async () => {
      const s = await states(ds, ids);
      return ids.every((id) => s[id] === 'processed');
    },
    timeoutMs,
    `events ${ids.join(',')} processed`,
  );
}

/** Inserts, enqueues and waits: one step of a message's life, so the order of processing is the test's. */
export async function deliver(app: INestApplicationContext, ds: DataSource, events: Record<string, unknown>[]): Promise<string[]> {
  const ids = await insertEvents(ds, events);
  await enqueue(app, ids);
  await waitProcessed(ds, ids);
  return ids;
}

export async function messageRow(ds: DataSource, messageId: string, address: string): Promise<Record<string, any> | undefined> {
  const rows = await ds.query(`SELECT * FROM messages WHERE message_id = $1 AND address = $2`, [messageId, address]);
  return rows[0];
}

export async function suppressionRow(ds: DataSource, address: string): Promise<Record<string, any> | undefined> {
  const rows = await ds.query(`SELECT * FROM suppressions WHERE address = $1`, [address]);
  return rows[0];
}

/** A message row without what naturally differs between two messages: ids, the key, update time. */
export function derivedPart(row: Record<string, any> | undefined): Record<string, unknown> {
  if (!row) return {};
  const { id: _id, message_id: _m, address: _a, updated_at: _u, ...rest } = row;
  return rest;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
