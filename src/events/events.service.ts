import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReadDatabase } from '../core/database/read-database';
import { AppException, NotFoundAppException } from '../core/http/app.exception';
import { boundedCount, ListTotalDto } from '../core/http/list-total';
import { pageWindow } from '../core/http/page-query.dto';
import { EventJobs } from '../core/queue/event-jobs';
import { EventDetailResponseDto, EventListResponseDto, EventResponseDto } from './dto/event.dto';
import { EventFeedQueryDto, EventFeedResponseDto, FEED_CURSOR } from './dto/event-feed.dto';
import { EventStatsResponseDto } from './dto/event-stats.dto';
import { EventStatsQueryDto, ListEventsQueryDto } from './dto/list-events-query.dto';
import { MAX_REPLAY, ReplayResponseDto } from './dto/replay-events.dto';
import { canonicalEventType, storedEventType } from './event-names';
import { BACKLOG_OF_E, storedEvent, storedEventColumns } from './event-rows';
import { counterKeySql, READ_COUNTERS, SUM_COUNTERS } from './storage/event-counters';

/** Where sorts go in SQL. receivedAt is arrival order, which is id order: ids are handed out as events are stored. */
const SORT_COLUMNS = { occurredAt: 'e.occurred_at', receivedAt: 'e.id', id: 'e.id' } as const;

/** `email_events e` joined to its backlog row (its processing state). */
const EVENTS_WITH_STATE = `email_events e ${BACKLOG_OF_E}`;

interface TimeRange {
  from?: Date;
  to?: Date;
}

/** Positional parameters for SQL built piece by piece. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The stored events: lists, one event, the change feed, statistics (read from the replica when DATABASE_READ_URL is
 * set), and replays (on the primary). Every read stays fast however large email_events grows (docs/storage.md): lists
 * page through an index, fetch the page's rows by primary key, and count only as far as is cheap; statistics add up
 * counters instead of reading events.
 */
@Injectable()
export class EventsService {
  private readonly reads: DataSource;

  constructor(
    /** The primary: replays write, and read what they write. */
    private readonly primary: DataSource,
    private readonly jobs: EventJobs,
    read: ReadDatabase,
  ) {
    this.reads = read.dataSource;
  }

  async list(q: ListEventsQueryDto): Promise<EventListResponseDto> {
    const range = parseRange(q.from, q.to);
    const { skip, take } = pageWindow(q);
    const direction = q.sortDirection === 'asc' ? 'ASC' : 'DESC';
    const params = new Params();
    const where = conditions(q, range, params);
    const sort = SORT_COLUMNS[q.sortField];
    const order = sort === 'e.id' ? `e.id ${direction}` : `${sort} ${direction}, e.id ${direction}`;
    // The page's keys first, from an index alone (an OFFSET reads its rows' index entries, never the rows), then
    // those rows by primary key.
    const keys = `SELECT e.id, e.occurred_at FROM email_events e ${where} ORDER BY ${order} OFFSET ${skip} LIMIT ${take}`;
    const page = (): Promise<Record<string, unknown>[]> =>
      this.reads.query(
        `SELECT ${storedEventColumns()} FROM (${keys}) k
         CROSS JOIN LATERAL (SELECT * FROM email_events e WHERE e.id = k.id AND e.occurred_at = k.occurred_at) e
         ${BACKLOG_OF_E}
         ORDER BY ${order}`,
        params.values,
      );
    const answer = (rows: Record<string, unknown>[], total: ListTotalDto) => ({
      data: rows.map((r) => EventResponseDto.from(storedEvent(r))),
      ...total,
    });
    const counted = this.countedTotal(q, range);
    if (counted && [q.type, q.trackingType, q.state].filter((f) => f !== undefined).length >= 2) {
      // No index serves two of these at once: the page is read through one and filtered by the other, so when they
      // match nothing together (type=Delivered&trackingType=open) it reads every event of the first (seconds at
      // 10 M, up to the statement timeout). The counters know exactly how many match: ask them first.
      const total = await counted;
      return answer(total.total > skip ? await page() : [], total);
    }
    const [rows, total] = await Promise.all([
      page(),
      counted ??
        boundedCount((sql, p) => this.reads.query(sql, p), `SELECT 1 FROM email_events e ${where}`, params.values),
    ]);
    return answer(rows, total);
  }

  /**
   * The exact total from the counters, when the filters are what they count (a known type, a tracking type, a state,
   * whole hours); undefined otherwise (the list counts up to COUNT_LIMIT).
   */
  private countedTotal(q: ListEventsQueryDto, range: TimeRange): Promise<ListTotalDto> | undefined {
    const uncounted = q.address ?? q.messageId ?? q.mailingId ?? q.serverId ?? q.subaccountId ?? q.failureType;
    const type = q.type === undefined ? undefined : canonicalEventType(q.type);
    if (uncounted !== undefined || (q.type !== undefined && !type) || !wholeHours(range)) return undefined;
    return this.reads
      .query(SUM_COUNTERS, [
        range.from ?? null,
        range.to ?? null,
        type?.toLowerCase() ?? null,
        q.trackingType?.toLowerCase() ?? null,
        q.state ?? null,
      ])
      .then(([{ n }]: { n: number }[]) => ({ total: n, totalExact: true }));
  }

  async get(id: string): Promise<EventDetailResponseDto> {
    const [row] = await this.reads.query<Record<string, unknown>[]>(
      `SELECT ${storedEventColumns(true)} FROM ${EVENTS_WITH_STATE} WHERE e.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundAppException('Event', id);
    return EventDetailResponseDto.from(storedEvent(row));
  }

  /**
   * The change feed: events ordered by (txid, id), txid being the transaction that wrote their typed columns (the
   * receiver's INSERT, or a worker's for an event stored raw or replayed). Only events whose txid is below the oldest
   * transaction still running are handed out: every transaction below that horizon has finished, so no event can
   * later appear before a position already handed out. A consumer that follows `nextCursor` therefore sees every
   * event, in one order, without gaps; a replayed event comes again (consumers deduplicate by id).
   */
  async feed(q: EventFeedQueryDto): Promise<EventFeedResponseDto> {
    const [txid, id] = q.after ? (FEED_CURSOR.exec(q.after)!.slice(1) as [string, string]) : ['0', '0'];
    const rows = await this.reads.query<Record<string, unknown>[]>(
      `SELECT ${storedEventColumns()} FROM ${EVENTS_WITH_STATE}
       WHERE e.txid IS NOT NULL
         AND e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
         AND (e.txid, e.id) > ($1::bigint, $2::bigint)
       ORDER BY e.txid, e.id
       LIMIT ${q.limit}`,
      [txid, id],
    );
    const events = rows.map(storedEvent);
    const last = events[events.length - 1];
    return {
      data: events.map(EventResponseDto.from),
      nextCursor: last ? `${last.txid}.${last.id}` : (q.after ?? null),
    };
  }

  /** Counts from the counters, over whole hours: the window is widened to them, and the answer says which it used. */
  async stats(q: EventStatsQueryDto): Promise<EventStatsResponseDto> {
    const asked = parseRange(q.from, q.to);
    const range: TimeRange = { from: asked.from && floorHour(asked.from), to: asked.to && ceilHour(asked.to) };
    const [groups, [oldest]] = await Promise.all([
      this.counters(range),
      this.reads.query<{ received_at: Date }[]>(
        `SELECT received_at FROM event_backlog WHERE state = 'pending' ORDER BY event_id LIMIT 1`,
      ),
    ]);
    const result: EventStatsResponseDto = {
      from: range.from ?? null,
      to: range.to ?? null,
      total: 0,
      byType: { queued: 0, deferred: 0, delivered: 0, failed: 0, tracking: 0, complaint: 0, unknown: 0 },
      byTrackingType: { click: 0, open: 0, unsubscribe: 0 },
      byState: { pending: 0, processed: 0, failed: 0 },
      oldestPendingReceivedAt: oldest?.received_at ?? null,
    };
    for (const g of groups) {
      result.total += g.n;
      if (g.type in result.byType) result.byType[g.type as keyof EventStatsResponseDto['byType']] += g.n;
      if (g.tracking_type in result.byTrackingType)
        result.byTrackingType[g.tracking_type as keyof EventStatsResponseDto['byTrackingType']] += g.n;
      if (g.state in result.byState) result.byState[g.state as keyof EventStatsResponseDto['byState']] += g.n;
    }
    return result;
  }

  private async counters(
    range: TimeRange,
  ): Promise<{ type: string; tracking_type: string; state: string; n: number }[]> {
    return this.reads.query(READ_COUNTERS, [range.from ?? null, range.to ?? null]);
  }

  /**
   * Puts the events back in the backlog as pending, to be normalized again from their raw text (a parser fix) and
   * processed, and queues them. The backlog is written first: if the job cannot be queued (Redis down) the sweeper
   * finds them pending and queues them later, so a replay is never lost. Their counts move back to pending.
   */
  async replay(target: { ids: string[] } | { state: 'failed' }): Promise<ReplayResponseDto & { ids: string[] }> {
    const targets =
      'ids' in target
        ? { sql: 'SELECT * FROM email_events WHERE id = ANY($1::bigint[])', params: [target.ids] }
        : {
            sql: `SELECT e.* FROM (SELECT event_id, occurred_at FROM event_backlog WHERE state = 'failed' ORDER BY event_id LIMIT ${MAX_REPLAY} FOR UPDATE SKIP LOCKED) f
                  CROSS JOIN LATERAL (SELECT * FROM email_events e WHERE e.id = f.event_id AND e.occurred_at = f.occurred_at) e`,
            params: [],
          };
    const rows: { id: string }[] = await this.primary.query(
      `WITH t AS (
         SELECT e.id, e.occurred_at, e.received_at, e.type, e.tracking_type, coalesce(b.state, 'processed') AS was
         FROM (${targets.sql}) e LEFT JOIN event_backlog b ON b.event_id = e.id
       ), queued AS (
         INSERT INTO event_backlog (event_id, occurred_at, received_at, state, attempts, last_error, normalize)
         SELECT id, occurred_at, received_at, 'pending', 0, NULL, true FROM t
         ON CONFLICT (event_id) DO UPDATE SET state = 'pending', attempts = 0, last_error = NULL, normalize = true
         RETURNING event_id
       ), counted AS (
         INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
         SELECT ${counterKeySql('t.occurred_at', 't.type', 't.tracking_type')}, s.state, sum(s.n)
         FROM t CROSS JOIN LATERAL (VALUES (t.was, -1), ('pending', 1)) AS s(state, n)
         WHERE t.was <> 'pending'
         GROUP BY 1, 2, 3, 4
       )
       SELECT event_id::text AS id FROM queued`,
      targets.params,
    );
    const ids = rows.map((r) => r.id);
    const queued = ids.length === 0 ? true : await this.jobs.addNow(ids, 'replay');
    return { replayed: ids.length, queued, ids };
  }

  /** Replays one event, whatever its state (a processed event is normalized and processed again). */
  async replayOne(id: string): Promise<ReplayResponseDto> {
    const { replayed, queued } = await this.replay({ ids: [id] });
    if (replayed === 0) throw new NotFoundAppException('Event', id);
    return { replayed, queued };
  }
}

function parseRange(from?: string, to?: string): TimeRange {
  const range: TimeRange = { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
  if (range.from && range.to && range.from > range.to) {
    throw new AppException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'to must not be before from');
  }
  return range;
}

const HOUR_MS = 3_600_000;
const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / HOUR_MS) * HOUR_MS);
const wholeHours = (r: TimeRange) =>
  (!r.from || r.from.getTime() % HOUR_MS === 0) && (!r.to || r.to.getTime() % HOUR_MS === 0);

/** The WHERE clause of the filters; each served by an index of email_events (or event_backlog, for the state). */
function conditions(q: ListEventsQueryDto, range: TimeRange, p: Params): string {
  const c: string[] = [];
  if (range.from) c.push(`e.occurred_at >= ${p.add(range.from)}`);
  // An undated event ('-infinity', occurredAt null) is in no window: not before `to` either.
  if (range.to) c.push(`e.occurred_at > '-infinity' AND e.occurred_at < ${p.add(range.to)}`);
  // Stored canonical (an unknown type lower-cased): the same spelling of the filter matches in any case.
  if (q.type !== undefined) c.push(`e.type = ${p.add(storedEventType(q.type))}`);
  if (q.trackingType !== undefined) c.push(`e.tracking_type = ${p.add(q.trackingType)}`);
  // Stored trimmed and lower-cased, so the plain (address) index serves this.
  if (q.address !== undefined) c.push(`e.address = ${p.add(q.address.trim().toLowerCase())}`);
  if (q.messageId !== undefined) c.push(`e.message_id = ${p.add(q.messageId)}`);
  if (q.mailingId !== undefined) c.push(`e.mailing_id = ${p.add(q.mailingId)}`);
  if (q.serverId !== undefined) c.push(`e.server_id = ${p.add(q.serverId)}`);
  if (q.subaccountId !== undefined) c.push(`e.subaccount_id = ${p.add(q.subaccountId)}`);
  if (q.failureType !== undefined) c.push(`e.failure_type = ${p.add(q.failureType)}`);
  if (q.state === 'processed') c.push(`NOT EXISTS (SELECT 1 FROM event_backlog b WHERE b.event_id = e.id)`);
  else if (q.state !== undefined) {
    // Few events are pending or failed: read them from the backlog, then their rows by primary key.
    c.push(
      `(e.id, e.occurred_at) IN (SELECT event_id, occurred_at FROM event_backlog WHERE state = ${p.add(q.state)})`,
    );
  }
  return c.length ? `WHERE ${c.join(' AND ')}` : '';
}
