import { Injectable, Logger } from '@nestjs/common';
import { hash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { prepared } from '../../core/database/prepared';
import { sqlState } from '../../core/database/sql-state';
import { APPEND_COUNT_CHANGES } from '../../events/storage/event-counters';
import type { BodyFormat } from '../../events/event-names';
import { normalizedRow } from '../normalizing/event-columns';
import { normalizeEvent } from '../normalizing/event-normalizer';
import { parseStoredEvent } from '../receiver/webhook-body.parser';
import {
  CLAIM_PENDING,
  LOCK_MESSAGE_KEYS,
  RECORD_FAILURES,
  UPSERT_MESSAGES,
  UPSERT_SUPPRESSIONS,
  WRITE_NORMALIZED,
} from './processing.sql';
import { errorMessage } from '../../core/error-message';

/** After this many failed attempts an event becomes a dead (`failed`) event. */
export const MAX_EVENT_ATTEMPTS = 5;
/** First key of the two-int4 advisory locks on (message, recipient) keys. */
export const MESSAGE_LOCK_CLASS = 0x534c4d53; // 'SLMS'

export interface BatchOutcome {
  /** Events processed. */
  processed: number;
  /** Events that failed this time and are still pending: another attempt will come. */
  retrying: number;
  /** Events that failed for the last time and are now `failed`. */
  dead: number;
  /** Ids that were not pending (already processed, dead, or being processed by another worker). */
  skipped: number;
}

/** What processing reads of a claimed event (CLAIM_PENDING). */
interface ClaimedEvent {
  id: string;
  /** As stored, text ('-infinity' included). */
  occurred_at: string;
  normalize: boolean;
  raw: string | null;
  format: BodyFormat | null;
  type: string | null;
  tracking_type: string | null;
  known_type: boolean | null;
  address: string | null;
  message_id: string | null;
}

/** Thrown for an event whose raw text cannot be read: it fails, alone, and is retried as a dead event would be. */
class UnreadableEventError extends Error {}

/**
 * Processes stored events: derives the message statuses and the suppression list from them (and, for the rare
 * event stored raw or replayed, fills its typed columns first), then takes them out of the backlog. One transaction
 * per batch, a constant number of statements whatever its size. The event rows themselves are not written: the
 * receiver stored them normalized (docs/storage.md). Idempotent: only backlog rows still pending are taken, and
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
      const rows: { id: string; state: string }[] = await this.dataSource.query(RECORD_FAILURES, [
        [id],
        [errorText(err)],
        MAX_EVENT_ATTEMPTS,
      ]);
      this.logFailure(id, err, rows[0]?.state);
      const dead = rows.filter((r) => r.state === 'failed').length;
      return { processed: 0, retrying: rows.length - dead, dead, skipped: rows.length ? 0 : 1 };
    }
  }

  /**
   * Committed synchronously on purpose: a replayed event gets its change-feed position from this transaction's id,
   * and a commit lost in a crash could see its id, or lower ones, given to new transactions after the restart,
   * below a position a consumer already holds.
   */
  private async runBatch(m: EntityManager, ids: string[]): Promise<BatchOutcome> {
    const events = await prepared<ClaimedEvent>(m, 'claim-pending', CLAIM_PENDING, [ids]);
    const outcome = emptyOutcome();
    outcome.skipped = ids.length - events.length;
    if (!events.length) return outcome;

    // The counts move from pending (under what the event was) to processed (under what it is now).
    const counts = new CountChanges();
    for (const e of events) counts.add(e, 'pending', -1);
    const toNormalize = events.filter((e) => e.normalize);
    if (toNormalize.length) await this.normalize(m, toNormalize);
    for (const e of events) counts.add(e, 'processed', 1);

    const keys = messageKeys(events);
    if (keys.length) {
      // Two workers may hold events of one message at once: whoever locks second recomputes after the
      // first committed, so neither result misses the other's events.
      const locks = [...new Set(keys.map((k) => lockKey(k.messageId, k.address)))].sort((a, b) => a - b);
      await prepared(m, 'lock-message-keys', LOCK_MESSAGE_KEYS, [locks, MESSAGE_LOCK_CLASS]);
      const withMessage = events.filter(hasMessage);
      await prepared(m, 'upsert-messages', UPSERT_MESSAGES, [
        withMessage.map((e) => e.message_id ?? ''),
        withMessage.map((e) => e.address),
        withMessage.map((e) => e.occurred_at),
      ]);
    }
    // Only complaints, failures and unsubscribes can suppress an address: the others are not read again.
    const suppressing = events.filter(maySuppress);
    if (suppressing.length) {
      await prepared(m, 'upsert-suppressions', UPSERT_SUPPRESSIONS, [
        suppressing.map((e) => e.id),
        suppressing.map((e) => e.occurred_at),
      ]);
    }
    await prepared(m, 'append-count-changes', APPEND_COUNT_CHANGES, counts.params());
    outcome.processed = events.length;
    return outcome;
  }

  /** Fills the typed columns of events stored raw (or replayed) from their raw text; `events` are updated to match. */
  private async normalize(m: EntityManager, events: ClaimedEvent[]): Promise<void> {
    const rows = events.map((e) => {
      let fields: Record<string, unknown>;
      try {
        fields = parseStoredEvent(e.raw ?? '', e.format ?? 'json');
      } catch (err) {
        throw new UnreadableEventError(`event ${e.id}: the stored text is not one event (${errorMessage(err)})`);
      }
      const row = normalizedRow(normalizeEvent(fields));
      const old = e.occurred_at;
      Object.assign(e, {
        occurred_at: String(row.occurred_at),
        type: row.type ?? null,
        tracking_type: row.tracking_type ?? null,
        known_type: row.known_type,
        address: row.address ?? null,
        message_id: row.message_id ?? null,
      });
      return { id: e.id, old_occurred_at: old, ...row };
    });
    await m.query(WRITE_NORMALIZED, [JSON.stringify(rows)]);
  }

  private logFailure(id: string, err: unknown, state: string | undefined): void {
    // The code and the class only: a database message can quote a value from the payload.
    const what = state === 'failed' ? `gave up after ${MAX_EVENT_ATTEMPTS} attempts` : 'will be retried';
    this.logger.warn(`event ${id} failed (${errorCode(err)}); ${what}`);
  }
}

/** Counter changes of a batch, as APPEND_COUNT_CHANGES' arrays. */
class CountChanges {
  private readonly at: string[] = [];
  private readonly type: (string | null)[] = [];
  private readonly tracking: (string | null)[] = [];
  private readonly state: string[] = [];
  private readonly n: number[] = [];

  add(e: ClaimedEvent, state: string, n: number): void {
    this.at.push(e.occurred_at);
    this.type.push(e.type);
    this.tracking.push(e.tracking_type);
    this.state.push(state);
    this.n.push(n);
  }

  params(): unknown[] {
    return [this.at, this.type, this.tracking, this.state, this.n];
  }
}

function maySuppress(e: ClaimedEvent): boolean {
  return e.type === 'Complaint' || e.type === 'Failed' || e.tracking_type === 'Unsubscribe';
}

/** Events without an address or of an unknown type make no message. */
function hasMessage(e: { known_type: boolean | null; address: string | null }): boolean {
  return !!e.known_type && !!e.address;
}

/** The (message, recipient) keys of a batch, sorted (the order every worker locks them in). */
export function messageKeys(
  events: { known_type: boolean | null; address: string | null; message_id: string | null }[],
): { messageId: string; address: string }[] {
  const seen = new Map<string, { messageId: string; address: string }>();
  for (const e of events) {
    if (!hasMessage(e) || !e.address) continue;
    const key = { messageId: e.message_id ?? '', address: e.address };
    seen.set(`${key.messageId}\u0000${key.address}`, key);
  }
  return [...seen.values()].sort((a, b) =>
    a.messageId === b.messageId ? cmp(a.address, b.address) : cmp(a.messageId, b.messageId),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable 32-bit key per (message, recipient); a collision only makes two messages wait for each other. */
export function lockKey(messageId: string, address: string): number {
  return (hash('sha256', `${messageId}\u0000${address}`, 'buffer') as unknown as Buffer).readInt32BE(0);
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

/** What is read of a thrown value, whatever it is: pg's error, TypeORM's QueryFailedError around one, a Node error. */
type ErrorLike = { code?: string; message?: string; driverError?: { code?: unknown } } | null | undefined;

function errorCode(err: unknown): string {
  return sqlState(err) ?? (err as ErrorLike)?.code ?? (err as object | null | undefined)?.constructor?.name ?? 'Error';
}

/** What last_error keeps: the SQLSTATE when there is one, and the message, bounded. */
function errorText(err: unknown): string {
  const state = sqlState(err);
  const message = errorMessage(err).slice(0, 2000);
  return state ? `${state}: ${message}` : message;
}

/**
 * True when the database (not the event) is the problem: no connection, the server shutting down or out of
 * resources, a deadlock or serialization failure. Those are retried whole, with BullMQ's backoff, without
 * counting an attempt against any event. Anything else is blamed on the batch's content.
 */
export function isInfrastructureError(err: unknown): boolean {
  if (err instanceof UnreadableEventError) return false;
  const state = sqlState(err);
  if (state) {
    if (state === '57014') return false; // statement timeout: smaller transactions may pass
    return /^(08|53|57|58|40|XX)/.test(state) || state === '55P03';
  }
  const code = (err as ErrorLike)?.driverError?.code ?? (err as ErrorLike)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT...
  const message = String((err as ErrorLike)?.message ?? '');
  return /connect|connection|terminat|timeout|pool|socket|ECONN|EPIPE/i.test(message);
}
