import { InjectQueue } from '@nestjs/bullmq';
import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { ReadDatabase } from '../core/database/read-database';
import { AppException, NotFoundAppException } from '../core/http/app.exception';
import { pageWindow } from '../core/http/page-query.dto';
import { JobName, QueueName } from '../core/queue/queue.constants';
import { withTimeout } from '../core/timeout';
import { EmailEventEntity, eventListColumns, EVENT_TYPES } from './entities/email-event.entity';
import { EventDetailResponseDto, EventListResponseDto, EventResponseDto } from './dto/event.dto';
import { EventFeedQueryDto, EventFeedResponseDto, FEED_CURSOR } from './dto/event-feed.dto';
import { EventStatsResponseDto } from './dto/event-stats.dto';
import { EventStatsQueryDto, ListEventsQueryDto } from './dto/list-events-query.dto';
import { MAX_REPLAY, ReplayResponseDto } from './dto/replay-events.dto';

/** Ids per queued job, so that one replay of 1000 rows does not become one long job. */
const REPLAY_JOB_SIZE = 200;
/**
 * Queue commands wait for a lost Redis connection to come back; the answer does not. A job still waiting
 * when this runs out is added once Redis is back, which is harmless: processing is idempotent.
 */
const ENQUEUE_TIMEOUT_MS = 2000;

const SORT_COLUMNS = { occurredAt: 'e.occurred_at', receivedAt: 'e.received_at', id: 'e.id' } as const;

interface TimeRange {
  from?: Date;
  to?: Date;
}

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);
  /** Every column but the raw body (kept for the single event) and the dedupe key (internal). */
  private readonly listColumns: string[];

  /** Reads (lists, one event, the feed, statistics): from the replica when DATABASE_READ_URL is set. */
  private readonly reads: Repository<EmailEventEntity>;

  constructor(
    /** The primary: replays write, and read what they write. */
    @InjectRepository(EmailEventEntity) private readonly events: Repository<EmailEventEntity>,
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
    read: ReadDatabase,
  ) {
    this.reads = read.repository(EmailEventEntity);
    this.listColumns = eventListColumns(this.reads.metadata);
  }

  async list(q: ListEventsQueryDto): Promise<EventListResponseDto> {
    const range = parseRange(q.from, q.to);
    const { skip, take } = pageWindow(q);
    const direction = q.sortDirection === 'asc' ? 'ASC' : 'DESC';
    const counted = this.reads.createQueryBuilder('e').select('COUNT(*)', 'n');
    applyRange(counted, range);
    applyFilters(counted, q);

    let rows: Promise<EmailEventEntity[]>;
    if (q.sortField === 'occurredAt' && (range.from || range.to)) {
      rows = this.pageByOccurredAt(q, range, skip, take, direction);
    } else {
      const qb = this.reads.createQueryBuilder('e').select(this.listColumns);
      applyRange(qb, range);
      applyFilters(qb, q);
      // PostgreSQL's default null placement (last ascending, first descending) lets a backward scan of the
      // occurred_at index serve the descending order; unprocessed events count as the newest.
      rows = qb.orderBy(SORT_COLUMNS[q.sortField], direction).addOrderBy('e.id', direction).offset(skip).limit(take).getMany();
    }
    const [data, count] = await Promise.all([rows, counted.getRawOne<{ n: string }>()]);
    return { data: data.map(EventResponseDto.from), total: Number(count?.n ?? 0) };
  }

  /**
   * A time window ordered by occurredAt, as two index range scans instead of one OR: events with an
   * occurredAt in the window (a range on the occurred_at index), and events without one yet placed by
   * receivedAt (`occurred_at IS NULL`, the backlog). With the OR, PostgreSQL walks the occurred_at index
   * from the newest end and filters, which reads every newer row when the window is in the past.
   */
  private async pageByOccurredAt(q: ListEventsQueryDto, range: TimeRange, skip: number, take: number, direction: 'ASC' | 'DESC'): Promise<EmailEventEntity[]> {
    // Events without occurredAt sort as the newest: first descending, last ascending.
    const branch = (known: boolean) => {
      const qb = this.reads
        .createQueryBuilder('e')
        .select('e.id', 'id')
        .addSelect('e.occurred_at', 'occurred_at')
        .addSelect(known === (direction === 'ASC') ? '0' : '1', 'part');
      const column = known ? 'e.occurred_at' : 'e.received_at';
      if (!known) qb.andWhere('e.occurred_at IS NULL');
      if (range.from) qb.andWhere(`${column} >= :from`, { from: range.from });
      if (range.to) qb.andWhere(`${column} < :to`, { to: range.to });
      applyFilters(qb, q);
      if (known) qb.orderBy('e.occurred_at', direction);
      return qb.addOrderBy('e.id', direction).limit(skip + take);
    };
    const [known, unknown] = [branch(true), branch(false)];
    const sql =
      `SELECT u.id FROM ((${known.getQuery()}) UNION ALL (${unknown.getQuery()})) u ` +
      `ORDER BY u.part, u.occurred_at ${direction}, u.id ${direction} OFFSET ${skip} LIMIT ${take}`;
    const [query, params] = this.reads.manager.connection.driver.escapeQueryWithParameters(
      sql,
      { ...known.getParameters(), ...unknown.getParameters() },
      {},
    );
    const ids = ((await this.reads.query(query, params)) as Array<{ id: string }>).map((r) => String(r.id));
    if (ids.length === 0) return [];
    const rows = await this.reads.createQueryBuilder('e').select(this.listColumns).where('e.id IN (:...ids)', { ids }).getMany();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is EmailEventEntity => r !== undefined);
  }

  async get(id: string): Promise<EventDetailResponseDto> {
    const row = await this.reads.findOneBy({ id });
    if (!row) throw new NotFoundAppException('Event', id);
    return EventDetailResponseDto.from(row);
  }

  /**
   * The change feed: processed events ordered by (processing transaction id, event id). Only events whose
   * transaction id is below the oldest transaction still running are handed out: every transaction below
   * that horizon has finished, so no event can later appear before a position already handed out. A
   * consumer that follows `nextCursor` therefore sees every processed event, in one order, without gaps; a
   * replayed event comes again when it is processed again (consumers deduplicate by id).
   */
  async feed(q: EventFeedQueryDto): Promise<EventFeedResponseDto> {
    const [txid, id] = q.after ? (FEED_CURSOR.exec(q.after)!.slice(1) as [string, string]) : ['0', '0'];
    const rows = await this.reads
      .createQueryBuilder('e')
      .select(this.listColumns)
      .where('e.processed_txid IS NOT NULL')
      .andWhere('e.processed_txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint')
      .andWhere('(e.processed_txid, e.id) > (:txid::bigint, :id::bigint)', { txid, id })
      .orderBy('e.processed_txid', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(q.limit)
      .getMany();
    const last = rows[rows.length - 1];
    return { data: rows.map(EventResponseDto.from), nextCursor: last ? `${last.processedTxid}.${last.id}` : (q.after ?? null) };
  }

  /** One GROUP BY over the window: by canonical type, tracking type and state at once. */
  async stats(q: EventStatsQueryDto): Promise<EventStatsResponseDto> {
    const range = parseRange(q.from, q.to);
    const typeCase = `CASE lower(e.type) ${EVENT_TYPES.map((t) => `WHEN '${t.toLowerCase()}' THEN '${t.toLowerCase()}'`).join(' ')} ELSE 'unknown' END`;
    const qb = this.reads
      .createQueryBuilder('e')
      .select(typeCase, 'type')
      .addSelect('e.tracking_type', 'trackingType')
      .addSelect('e.state', 'state')
      .addSelect('COUNT(*)', 'n')
      .addSelect(`MIN(e.received_at) FILTER (WHERE e.state = 'pending')`, 'oldestPending')
      .groupBy('1')
      .addGroupBy('2')
      .addGroupBy('3');
    applyRange(qb, range);
    const groups = await qb.getRawMany<{ type: string; trackingType: string | null; state: string; n: string; oldestPending: Date | null }>();

    const result: EventStatsResponseDto = {
      from: range.from ?? null,
      to: range.to ?? null,
      total: 0,
      byType: { queued: 0, deferred: 0, delivered: 0, failed: 0, tracking: 0, complaint: 0, unknown: 0 },
      byTrackingType: { click: 0, open: 0, unsubscribe: 0 },
      byState: { pending: 0, processed: 0, failed: 0 },
      oldestPendingReceivedAt: null,
    };
    for (const g of groups) {
      const n = Number(g.n);
      result.total += n;
      result.byType[g.type as keyof EventStatsResponseDto['byType']] += n;
      const tracking = g.trackingType?.toLowerCase() as keyof EventStatsResponseDto['byTrackingType'] | undefined;
      if (tracking && tracking in result.byTrackingType) result.byTrackingType[tracking] += n;
      if (g.state in result.byState) result.byState[g.state as keyof EventStatsResponseDto['byState']] += n;
      if (g.oldestPending && (!result.oldestPendingReceivedAt || g.oldestPending < result.oldestPendingReceivedAt)) {
        result.oldestPendingReceivedAt = g.oldestPending;
      }
    }
    return result;
  }

  /**
   * Sets the rows back to `pending` and queues them. The rows are updated first: if the job cannot be
   * queued (Redis down) the sweeper finds them pending and queues them later, so a replay is never lost.
   */
  async replay(target: { ids: string[] } | { state: 'failed' }): Promise<ReplayResponseDto & { ids: string[] }> {
    const where =
      'ids' in target
        ? { sql: 'id = ANY($1::bigint[])', params: [target.ids] }
        : { sql: `id IN (SELECT id FROM email_events WHERE state = 'failed' ORDER BY id LIMIT ${MAX_REPLAY} FOR UPDATE SKIP LOCKED)`, params: [] };
    const [rows] = (await this.events.query(
      // processed_txid cleared: the event leaves the change feed until it is processed again, then comes back.
      `UPDATE email_events SET state = 'pending', attempts = 0, last_error = NULL, processed_txid = NULL WHERE ${where.sql} RETURNING id`,
      where.params,
    )) as [Array<{ id: string }>, number];
    const ids = rows.map((r) => String(r.id)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const queued = ids.length === 0 ? true : await this.enqueue(ids);
    return { replayed: ids.length, queued, ids };
  }

  /** Replays one event, whatever its state (a processed event is parsed again). */
  async replayOne(id: string): Promise<ReplayResponseDto> {
    const { replayed, queued } = await this.replay({ ids: [id] });
    if (replayed === 0) throw new NotFoundAppException('Event', id);
    return { replayed, queued };
  }

  private async enqueue(ids: string[]): Promise<boolean> {
    const stamp = Date.now().toString(36);
    try {
      for (let i = 0; i < ids.length; i += REPLAY_JOB_SIZE) {
        const eventIds = ids.slice(i, i + REPLAY_JOB_SIZE);
        // A unique job id: a fixed one would be swallowed by the completed job of an earlier replay.
        const jobId = `replay-${eventIds[0]}-${eventIds[eventIds.length - 1]}-${eventIds.length}-${stamp}`;
        await withTimeout(this.queue.add(JobName.ProcessEvents, { eventIds }, { jobId }), ENQUEUE_TIMEOUT_MS, 'Redis');
      }
      return true;
    } catch (err) {
      this.logger.warn(`replay of ${ids.length} event(s) stored as pending but not queued (${(err as Error).message}); the sweeper will queue them`);
      return false;
    }
  }
}

function parseRange(from?: string, to?: string): TimeRange {
  const range: TimeRange = { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
  if (range.from && range.to && range.from > range.to) {
    throw new AppException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'to must not be before from');
  }
  return range;
}

/**
 * The window applies to occurred_at, and to received_at for rows without occurred_at (not processed yet).
 * Written as an OR of two index-friendly branches, which PostgreSQL combines with a BitmapOr for counts:
 * a range on the occurred_at index, and `occurred_at IS NULL`, which the same btree index serves and
 * which is only the backlog.
 */
function applyRange(qb: SelectQueryBuilder<EmailEventEntity>, range: TimeRange): void {
  if (!range.from && !range.to) return;
  const occurred: string[] = [];
  const received: string[] = ['e.occurred_at IS NULL'];
  if (range.from) {
    occurred.push('e.occurred_at >= :from');
    received.push('e.received_at >= :from');
  }
  if (range.to) {
    occurred.push('e.occurred_at < :to');
    received.push('e.received_at < :to');
  }
  qb.andWhere(`((${occurred.join(' AND ')}) OR (${received.join(' AND ')}))`, { from: range.from, to: range.to });
}

function applyFilters(qb: SelectQueryBuilder<EmailEventEntity>, q: ListEventsQueryDto): void {
  // lower() on both sides: `type` is stored as sent, in any case, so unknown types match the same way.
  if (q.type !== undefined) qb.andWhere('lower(e.type) = lower(:type)', { type: q.type });
  if (q.trackingType !== undefined) qb.andWhere('e.tracking_type = :trackingType', { trackingType: q.trackingType });
  // The worker stores addresses trimmed and lower-cased, so the plain (address) index serves this.
  if (q.address !== undefined) qb.andWhere('e.address = lower(trim(:address))', { address: q.address });
  if (q.messageId !== undefined) qb.andWhere('e.message_id = :messageId', { messageId: q.messageId });
  if (q.mailingId !== undefined) qb.andWhere('e.mailing_id = :mailingId', { mailingId: q.mailingId });
  if (q.serverId !== undefined) qb.andWhere('e.server_id = :serverId', { serverId: q.serverId });
  if (q.subaccountId !== undefined) qb.andWhere('e.subaccount_id = :subaccountId', { subaccountId: q.subaccountId });
  if (q.failureType !== undefined) qb.andWhere('e.failure_type = :failureType', { failureType: q.failureType });
  if (q.state !== undefined) qb.andWhere('e.state = :state', { state: q.state });
}

