import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { BodyFormat } from '../../events/entities/email-event.entity';
import { parseStoredEvent } from '../receiver/webhook-body.parser';
import { NormalizedEvent, normalizeEvent } from './event-normalizer';
import {
  LOCK_MESSAGE_KEYS,
  RECORD_FAILURES,
  SELECT_PENDING_FOR_UPDATE,
  TYPED_COLUMNS,
  UPDATE_TYPED_COLUMNS,
  UPSERT_MESSAGES,
  UPSERT_SUPPRESSIONS,
} from './processing.sql';

/** After this many failed attempts an event becomes a dead (`failed`) row. */
export const MAX_EVENT_ATTEMPTS = 5;
/** First key of the two-int4 advisory locks on (message, recipient) keys. */
export const MESSAGE_LOCK_CLASS = 0x534c4d53; // 'SLMS'

export interface BatchOutcome {
  /** Rows normalized and marked processed. */
  processed: number;
  /** Rows that failed this time and are still pending: another attempt will come. */
  retrying: number;
  /** Rows that failed for the last time and are now `failed`. */
  dead: number;
  /** Ids that were not pending (already processed, dead, or being processed by another worker). */
  skipped: number;
}

interface PendingRow {
  id: string;
  raw: string;
  format: BodyFormat;
}

/**
 * Turns stored events into typed rows, message statuses and suppressions: one transaction per batch, a
 * constant number of statements whatever the batch size. Idempotent: only `pending` rows are taken, and
 * messages and suppressions are derived from the events, never incremented.
 */
@Injectable()
export class EventProcessingService {
  private readonly logger = new Logger('EventProcessing');

  constructor(private readonly dataSource: DataSource) {}

  async processBatch(ids: string[]): Promise<BatchOutcome> {
    if (ids.length === 1) return this.processOne(ids[0]);
    try {
      return await this.dataSource.transaction((m) => this.runBatch(m, ids));
    } catch (err) {
      if (isInfrastructureError(err)) throw err;
      // One bad event must not hold the others back: retry them one per transaction, so only it fails.
      this.logger.warn(`batch of ${ids.length} events failed (${errorCode(err)}); retrying them one by one`);
      const total = emptyOutcome();
      for (const id of ids) add(total, await this.processOne(id));
      return total;
    }
  }

  private async processOne(id: string): Promise<BatchOutcome> {
    try {
      return await this.dataSource.transaction((m) => this.runBatch(m, [id]));
    } catch (err) {
      if (isInfrastructureError(err)) throw err;
      const rows: { id: string; state: string }[] = await this.dataSource.query(RECORD_FAILURES, [[id], [errorText(err)], MAX_EVENT_ATTEMPTS]);
      this.logFailure(id, err, rows[0]?.state);
      const dead = rows.filter((r) => r.state === 'failed').length;
      return { processed: 0, retrying: rows.length - dead, dead, skipped: rows.length ? 0 : 1 };
    }
  }

  /**
   * Committed synchronously on purpose (measured: asynchronous commit saves no CPU here): the change feed hands
   * out positions by this transaction's id, and a commit lost in a crash could see its id, or lower ones, given
   * to new transactions after the restart, below a position a consumer already holds.
   */
  private async runBatch(m: EntityManager, ids: string[]): Promise<BatchOutcome> {
    const rows: PendingRow[] = await m.query(SELECT_PENDING_FOR_UPDATE, [ids]);
    const outcome = emptyOutcome();
    outcome.skipped = ids.length - rows.length;
    if (!rows.length) return outcome;

    const good: { id: string; event: NormalizedEvent }[] = [];
    const bad: { id: string; error: unknown }[] = [];
    const columns: Record<string, unknown>[] = [];
    for (const row of rows) {
      try {
        const event = normalizeEvent(parseStoredEvent(row.raw, row.format));
        good.push({ id: row.id, event });
        columns.push(toColumns(row.id, event));
      } catch (error) {
        bad.push({ id: row.id, error });
      }
    }

    if (good.length) {
      await m.query(UPDATE_TYPED_COLUMNS, [JSON.stringify(columns)]);
      outcome.processed = good.length;

      const keys = messageKeys(good.map((g) => g.event));
      if (keys.length) {
        // Two workers may hold events of one message at once: whoever locks second recomputes after the
        // first committed, so neither result misses the other's events.
        const locks = [...new Set(keys.map((k) => lockKey(k.messageId, k.address)))].sort((a, b) => a - b);
        await m.query(LOCK_MESSAGE_KEYS, [locks, MESSAGE_LOCK_CLASS]);
        await m.query(UPSERT_MESSAGES, [keys.map((k) => k.messageId), keys.map((k) => k.address)]);
      }
      await m.query(UPSERT_SUPPRESSIONS, [good.map((g) => g.id)]);
    }

    if (bad.length) {
      const failed: { id: string; state: string }[] = await m.query(RECORD_FAILURES, [
        bad.map((b) => b.id),
        bad.map((b) => errorText(b.error)),
        MAX_EVENT_ATTEMPTS,
      ]);
      for (const b of bad) this.logFailure(b.id, b.error, failed.find((f) => f.id === b.id)?.state);
      const dead = failed.filter((f) => f.state === 'failed').length;
      outcome.dead += dead;
      outcome.retrying += failed.length - dead;
    }
    return outcome;
  }

  private logFailure(id: string, err: unknown, state: string | undefined): void {
    // The code and the class only: a database message can quote a value from the payload.
    const what = state === 'failed' ? `gave up after ${MAX_EVENT_ATTEMPTS} attempts` : 'will be retried';
    this.logger.warn(`event ${id} failed (${errorCode(err)}); ${what}`);
  }
}

/** The (message, recipient) keys of a batch: events without an address or of an unknown type make no message. */
export function messageKeys(events: NormalizedEvent[]): { messageId: string; address: string }[] {
  const seen = new Map<string, { messageId: string; address: string }>();
  for (const e of events) {
    if (!e.knownType || !e.address) continue;
    const key = { messageId: e.messageId ?? '', address: e.address };
    seen.set(`${key.messageId}\u0000${key.address}`, key);
  }
  return [...seen.values()].sort((a, b) => (a.messageId === b.messageId ? cmp(a.address, b.address) : cmp(a.messageId, b.messageId)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable 32-bit key per (message, recipient); a collision only makes two messages wait for each other. */
export function lockKey(messageId: string, address: string): number {
  return createHash('sha256').update(messageId).update('\u0000').update(address).digest().readInt32BE(0);
}

const COLUMN_OF: Record<string, keyof NormalizedEvent> = {
  known_type: 'knownType',
  occurred_at: 'occurredAt',
  server_id: 'serverId',
  subaccount_id: 'subaccountId',
  ip_pool_id: 'ipPoolId',
  address: 'address',
  from_address: 'fromAddress',
  subject: 'subject',
  mailing_id: 'mailingId',
  message_id: 'messageId',
  message_size: 'messageSize',
  deferral_code: 'deferralCode',
  reason: 'reason',
  response: 'response',
  local_ip: 'localIp',
  remote_mta: 'remoteMta',
  bounce_status: 'bounceStatus',
  diagnostic_code: 'diagnosticCode',
  failure_type: 'failureType',
  failure_code: 'failureCode',
  tracking_type: 'trackingType',
  user_agent: 'userAgent',
  client_ip: 'clientIp',
  url: 'url',
  tag: 'tag',
  fbl_type: 'fblType',
  fbl_from: 'fblFrom',
  fbl_to: 'fblTo',
  length: 'length',
  meta: 'meta',
  tags: 'tags',
  extra: 'extra',
};

/** The row of UPDATE_TYPED_COLUMNS' JSON: NULL columns are left out (json_to_recordset reads them as NULL). */
function toColumns(id: string, event: NormalizedEvent): Record<string, unknown> {
  const row: Record<string, unknown> = { id };
  for (const [column] of TYPED_COLUMNS) {
    const value = event[COLUMN_OF[column]];
    if (value !== null && value !== undefined) row[column] = value;
  }
  return row;
}

function emptyOutcome(): BatchOutcome {
  return { processed: 0, retrying: 0, dead: 0, skipped: 0 };
}

function add(total: BatchOutcome, o: BatchOutcome): void {
  total.processed += o.processed;
  total.retrying += o.retrying;
  total.dead += o.dead;
  total.skipped += o.skipped;
}

function sqlState(err: any): string | undefined {
  const code = err?.driverError?.code ?? err?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function errorCode(err: any): string {
  return sqlState(err) ?? err?.code ?? err?.constructor?.name ?? 'Error';
}

/** What last_error keeps: the SQLSTATE when there is one, and the message, bounded. */
function errorText(err: any): string {
  const state = sqlState(err);
  const message = String(err?.message ?? err).slice(0, 2000);
  return state ? `${state}: ${message}` : message;
}

/**
 * True when the database (not the event) is the problem: no connection, the server shutting down or out of
 * resources, a deadlock or serialization failure. Those are retried whole, with BullMQ's backoff, without
 * counting an attempt against any event. Anything else is blamed on the batch's content.
 */
export function isInfrastructureError(err: any): boolean {
  const state = sqlState(err);
  if (state) {
    if (state === '57014') return false; // statement timeout: smaller transactions may pass
    return /^(08|53|57|58|40|XX)/.test(state) || state === '55P03';
  }
  const code = err?.driverError?.code ?? err?.code;
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT...
  const message = String(err?.message ?? '');
  return /connect|connection|terminat|timeout|pool|socket|ECONN|EPIPE/i.test(message);
}
