import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../core/audit/audit.service';
import { Principal } from '../core/auth/auth.decorators';
import { AppConfig } from '../core/config/app-config';
import { AppException } from '../core/http/app.exception';
import { addressFingerprint, storedAddress } from '../events/address-fingerprint';
import type { SuppressionReason } from '../events/entities/suppression.entity';
import { NORMALIZED_COLUMNS, recordsetDefinition, recordsetValue } from '../webhooks/normalizing/event-columns';
import { lockKey, MESSAGE_LOCK_CLASS } from '../webhooks/processing/event-processing.service';
import { AUDIT_ENTRIES_NAMING, withoutAddress } from './audit-redaction';
import { AddressErasureResponseDto } from './dto/address-erasure.dto';
import { ERASABLE_COLUMNS, ErasableEvent, erasedEvent, plainPartOf, rawEventIsAbout } from './erased-event';

/** Events rewritten per statement: a bounded JSON parameter, whatever the number of events of the address. */
const UPDATE_CHUNK = 1000;

/** The typed columns an erasure writes: all but occurred_at, the partition key, which stays. */
const ERASED_COLUMNS = NORMALIZED_COLUMNS.filter((c) => c.column !== 'occurred_at');

/**
 * $1: a JSON array of {id, occurred_at (as stored), raw, dedupe_key (hex), <typed columns>}. A new change-feed
 * position for the events that had one, so that a consumer of the feed gets the erased version (an event stored raw
 * gets its position when a worker normalizes it).
 */
const WRITE_ERASED = `
  UPDATE email_events e SET
    raw = n.raw,
    format = 'json',
    dedupe_key = decode(n.dedupe_key, 'hex'),
    txid = CASE WHEN e.txid IS NULL THEN NULL ELSE pg_current_xact_id()::text::bigint END,
    ${ERASED_COLUMNS.map((c) => `${c.column} = ${recordsetValue(c, 'n')}`).join(',\n    ')}
  FROM json_to_recordset($1::json) AS n(id bigint, occurred_at timestamptz, raw text, dedupe_key text, ${recordsetDefinition(ERASED_COLUMNS)})
  WHERE e.id = n.id AND e.occurred_at = n.occurred_at`;

/** What replaces the error text of a failed event that was erased: the text could quote the address. */
const ERASED_ERROR = 'erased: the error text went with the address';

const REASON_RANK = `CASE $ WHEN 'complaint' THEN 0 WHEN 'permanent_failure' THEN 1 ELSE 2 END`;
const rank = (r: string) => REASON_RANK.replace('$', r);

/**
 * $1 fingerprint, $2 reason, $3 suppressed_at: keeps an erased address' suppression under its fingerprint; a
 * fingerprint kept by an earlier erasure keeps the strongest reason and the earliest date.
 */
const KEEP_SUPPRESSION = `
  INSERT INTO erased_suppressions AS s (fingerprint, reason, suppressed_at) VALUES ($1, $2, $3)
  ON CONFLICT (fingerprint) DO UPDATE SET
    reason = CASE WHEN ${rank('EXCLUDED.reason')} < ${rank('s.reason')} THEN EXCLUDED.reason ELSE s.reason END,
    suppressed_at = least(s.suppressed_at, EXCLUDED.suppressed_at),
    erased_at = now()
  RETURNING reason`;

/**
 * Erasure of one address (docs/privacy.md): in one transaction, its events are anonymised (kept and counted, nothing
 * of the address left), its messages and its suppression entry deleted (the suppression kept under the address'
 * fingerprint), the audit entries that named it redacted, and the erasure recorded under the fingerprint.
 *
 * Beside the workers: an event being processed while it is erased must not bring the address back in a message or
 * a suppression. The erasure locks what the workers lock, in their order: the events' backlog rows first (a worker
 * holds them for the whole of its transaction), then the (message, recipient) advisory locks a worker takes before
 * it derives messages and suppressions. A worker that got there first has committed by then, and what it wrote is
 * deleted; one that comes after reads the events erased, and derives nothing for the address.
 */
@Injectable()
export class AddressErasureService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async erase(
    address: string,
    principal: Principal | undefined,
    requestId: string,
  ): Promise<AddressErasureResponseDto> {
    const secret = this.config.privacy.fingerprintSecret;
    if (!secret) {
      throw new AppException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'ERASURE_NOT_CONFIGURED',
        'Erasure needs ERASURE_SECRET to be set (docs/privacy.md)',
      );
    }
    const stored = storedAddress(address);
    const fingerprint = addressFingerprint(secret, stored);
    return this.dataSource.transaction(async (m) => {
      const events = await this.eraseEvents(m, stored);
      const messagesDeleted = await this.deleteMessages(m, stored, events);
      const { deleted, kept } = await this.keepSuppression(m, stored, fingerprint);
      const auditEntriesRedacted = await this.redactAuditLog(m, stored);
      const result: AddressErasureResponseDto = {
        fingerprint: fingerprint.toString('hex'),
        eventsAnonymised: events.length,
        messagesDeleted,
        suppressionDeleted: deleted,
        suppressionKept: kept,
        auditEntriesRedacted,
      };
      const { fingerprint: target, ...details } = result;
      await this.audit.recordIn(m, principal, {
        action: 'addresses.erase',
        method: 'DELETE',
        // The route, not the request's path: that holds the address.
        path: '/api/v1/addresses/{address}',
        target,
        status: HttpStatus.OK,
        details: { ...details },
        requestId,
      });
      return result;
    });
  }

  /** Anonymises the address' events; answers them as they were (their message ids name the messages to lock). */
  private async eraseEvents(m: EntityManager, address: string): Promise<ErasableEvent[]> {
    // The address' events (through each partition's address index), and the few stored raw and not normalized yet,
    // whose address is known only from their text (narrowed to those whose text holds a piece of it).
    const candidates: { id: string }[] = await m.query(
      `SELECT id::text AS id FROM email_events WHERE address = $1
       UNION
       SELECT b.event_id::text FROM event_backlog b
       CROSS JOIN LATERAL (SELECT address, raw FROM email_events e WHERE e.id = b.event_id AND e.occurred_at = b.occurred_at) e
       WHERE b.normalize AND e.address IS NULL AND strpos(lower(e.raw), $2) > 0`,
      [address, plainPartOf(address)],
    );
    if (candidates.length === 0) return [];
    const ids = candidates.map((c) => c.id);
    // Their backlog rows, in the order workers claim them: a worker processing one of them has committed once this
    // returns, and no worker takes them until the erasure has.
    const claimed: { id: string }[] = await m.query(
      `SELECT event_id::text AS id FROM event_backlog WHERE event_id = ANY($1::bigint[]) ORDER BY event_id FOR UPDATE`,
      [ids],
    );
    // Read again, as any worker left them, and locked.
    const rows: ErasableEvent[] = await m.query(
      `SELECT ${ERASABLE_COLUMNS} FROM email_events e WHERE e.address = $1 OR e.id = ANY($2::bigint[]) FOR UPDATE`,
      [address, ids],
    );
    const events = rows.filter(
      (e) =>
        e.address === address || (e.address === null && e.raw !== null && rawEventIsAbout(e.raw, e.format, address)),
    );
    for (let i = 0; i < events.length; i += UPDATE_CHUNK) {
      const chunk = events.slice(i, i + UPDATE_CHUNK).map(erasedEvent);
      await m.query(WRITE_ERASED, [
        JSON.stringify(
          chunk.map((e) => ({
            id: e.id,
            occurred_at: e.occurred_at,
            raw: e.raw,
            dedupe_key: e.dedupe_key,
            ...e.columns,
          })),
        ),
      ]);
    }
    const erased = new Set(events.map((e) => e.id));
    const failed = claimed.map((c) => c.id).filter((id) => erased.has(id));
    if (failed.length) {
      await m.query(
        `UPDATE event_backlog SET last_error = $2 WHERE event_id = ANY($1::bigint[]) AND last_error IS NOT NULL`,
        [failed, ERASED_ERROR],
      );
    }
    return events;
  }

  /**
   * Deletes the address' messages, under the advisory locks of their (message, recipient) keys: those of the events
   * just erased and of the messages there are.
   */
  private async deleteMessages(m: EntityManager, address: string, events: ErasableEvent[]): Promise<number> {
    const messageIds = new Set(events.filter((e) => e.address === address).map((e) => e.message_id ?? ''));
    const existing: { message_id: string }[] = await m.query(`SELECT message_id FROM messages WHERE address = $1`, [
      address,
    ]);
    for (const r of existing) messageIds.add(r.message_id);
    if (messageIds.size === 0) return 0;
    const locks = [...new Set([...messageIds].map((id) => lockKey(id, address)))].sort((a, b) => a - b);
    await m.query(`SELECT pg_advisory_xact_lock($2::int4, k) FROM unnest($1::int4[]) AS k`, [
      locks,
      MESSAGE_LOCK_CLASS,
    ]);
    const [, deleted] = await m.query<[unknown, number]>(`DELETE FROM messages WHERE address = $1`, [address]);
    return Number(deleted ?? 0);
  }

  /** Deletes the address' suppression entry and keeps its reason under the fingerprint. */
  private async keepSuppression(
    m: EntityManager,
    address: string,
    fingerprint: Buffer,
  ): Promise<{ deleted: boolean; kept: SuppressionReason | null }> {
    const [removed] = await m.query<[{ reason: SuppressionReason; created_at: Date }[], number]>(
      `DELETE FROM suppressions WHERE address = $1 RETURNING reason, created_at`,
      [address],
    );
    if (removed.length > 0) {
      const [{ reason }] = await m.query<{ reason: SuppressionReason }[]>(KEEP_SUPPRESSION, [
        fingerprint,
        removed[0].reason,
        removed[0].created_at,
      ]);
      return { deleted: true, kept: reason };
    }
    const [earlier] = await m.query<{ reason: SuppressionReason }[]>(
      `SELECT reason FROM erased_suppressions WHERE fingerprint = $1`,
      [fingerprint],
    );
    return { deleted: false, kept: earlier?.reason ?? null };
  }

  /** The audit entries written before that name the address (a removed suppression, a message sent to it): redacted. */
  private async redactAuditLog(m: EntityManager, address: string): Promise<number> {
    const rows: { id: string; target: string | null; path: string; details: unknown; error: string | null }[] =
      await m.query(AUDIT_ENTRIES_NAMING, [address, encodeURIComponent(address).toLowerCase()]);
    let redacted = 0;
    for (const r of rows) {
      const clean = withoutAddress({ target: r.target, path: r.path, details: r.details, error: r.error }, address);
      if (
        JSON.stringify(clean) === JSON.stringify({ target: r.target, path: r.path, details: r.details, error: r.error })
      )
        continue;
      await m.query(`UPDATE audit_log SET target = $2, path = $3, details = $4, error = $5 WHERE id = $1`, [
        r.id,
        clean.target,
        clean.path,
        clean.details === null ? null : JSON.stringify(clean.details),
        clean.error,
      ]);
      redacted++;
    }
    return redacted;
  }
}
