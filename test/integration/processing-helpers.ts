import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobName, QueueName, processEventsJobId } from '../../src/core/queue/queue.constants';
import { Db, eventStates, rawText, storeEvent } from '../utils/stored-events';
import { waitFor } from '../utils/test-app';

export interface InsertOptions {
  format?: 'json' | 'form';
  /** Seconds from now; negative is in the past. A row received in the future is never swept. */
  receivedInSeconds?: number;
  attempts?: number;
  /** Stored raw (typed columns refused at ingest): the worker normalizes it from its raw text. */
  storedRaw?: boolean;
}

/**
 * Stores an event exactly as the receiver does: its row of email_events with the typed columns normalized, and a
 * pending backlog row (raw without SecretKey: JSON text, or a form body's pairs).
 */
export async function insertEvent(ds: Db, event: Record<string, unknown>, o: InsertOptions = {}): Promise<string> {
  const format = o.format ?? 'json';
  return storeEvent(ds, {
    raw: rawText(event, format),
    format,
    receivedAt: new Date(Date.now() + (o.receivedInSeconds ?? 0) * 1000),
    attempts: o.attempts ?? 0,
    storedRaw: o.storedRaw,
  });
}

export async function insertEvents(
  ds: Db,
  events: Record<string, unknown>[],
  o: InsertOptions = {},
): Promise<string[]> {
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

/** pending or failed while the event has a backlog row, processed once it has none. */
export function states(ds: Db, ids: string[]): Promise<Record<string, string>> {
  return eventStates(ds, ids);
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
export async function deliver(
  app: INestApplicationContext,
  ds: DataSource,
  events: Record<string, unknown>[],
): Promise<string[]> {
  const ids = await insertEvents(ds, events);
  await enqueue(app, ids);
  await waitProcessed(ds, ids);
  return ids;
}

export async function messageRow(
  ds: DataSource,
  messageId: string,
  address: string,
): Promise<Record<string, any> | undefined> {
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
