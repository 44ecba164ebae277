import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteAuditEntriesBefore } from '../../core/audit/audit-retention';
import { AppConfig } from '../../core/config/app-config';
import { deleteInBatches } from '../../core/database/delete-in-batches';
import { DROP_ZERO_COUNTERS } from './event-counters';
import { dropEventsBefore, ensureEventPartitions, monthStart, Query } from './event-partitions';

/** Advisory lock (two-int4 form) held by the one maintenance run at a time. */
export const STORAGE_LOCK: [number, number] = [0x534c5354, 1]; // 'SLST'
/** Messages deleted per statement by retention: short transactions beside the workers' upserts. */
const MESSAGE_DELETE_BATCH = 10_000;

export interface MaintenanceOutcome {
  /** False when another run held the lock. */
  ran: boolean;
  created: string[];
  dropped: string[];
  messagesDeleted: number;
  /** Audit log entries deleted by AUDIT_RETENTION_DAYS. */
  auditEntriesDeleted: number;
}

/**
 * The hourly `maintain-storage` job (docs/storage.md): creates the coming months' partitions of email_events before
 * events need them, with EVENT_RETENTION_DAYS drops what is older (whole months of events; the messages whose
 * last event is that old), and with AUDIT_RETENTION_DAYS deletes the older audit log entries. Also run at boot, by
 * prepareDatabase, for the partitions.
 */
@Injectable()
export class StorageMaintenanceService {
  private readonly logger = new Logger('StorageMaintenance');

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async maintain(now = new Date()): Promise<MaintenanceOutcome> {
    const outcome: MaintenanceOutcome = {
      ran: false,
      created: [],
      dropped: [],
      messagesDeleted: 0,
      auditEntriesDeleted: 0,
    };
    // One connection: the partition changes run BEGIN and COMMIT through it, and it holds the session lock.
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked',
        STORAGE_LOCK,
      )) as { locked: boolean }[];
      if (!locked) return outcome;
      outcome.ran = true;
      try {
        const query: Query = (sql, params) => runner.query(sql, params);
        outcome.created = await ensureEventPartitions(query, now);
        // Before the events' retention, whose DDL may give up on a lock (a long query) and fail this run.
        const auditDays = this.config.storage.auditRetentionDays;
        if (auditDays !== undefined) {
          outcome.auditEntriesDeleted = await deleteAuditEntriesBefore(
            query,
            new Date(now.getTime() - auditDays * 86_400_000),
          );
        }
        const days = this.config.storage.eventRetentionDays;
        if (days !== undefined) {
          // Whole months only: a month goes once its last day is past the retention.
          const keepFrom = monthStart(new Date(now.getTime() - days * 86_400_000));
          outcome.dropped = await dropEventsBefore(query, keepFrom);
          outcome.messagesDeleted = await deleteInBatches(
            query,
            'messages',
            'last_event_at < $1',
            [keepFrom],
            MESSAGE_DELETE_BATCH,
          );
        }
        await runner.query(DROP_ZERO_COUNTERS);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::int4, $2::int4)', STORAGE_LOCK);
      }
    } finally {
      await runner.release();
    }
    if (outcome.created.length) this.logger.log(`created partitions ${outcome.created.join(', ')}`);
    if (outcome.dropped.length || outcome.messagesDeleted) {
      this.logger.log(
        `retention (${this.config.storage.eventRetentionDays} days): dropped ${outcome.dropped.join(', ') || 'no partition'}, ${outcome.messagesDeleted} messages`,
      );
    }
    if (outcome.auditEntriesDeleted) {
      this.logger.log(
        `audit retention (${this.config.storage.auditRetentionDays} days): ${outcome.auditEntriesDeleted} entries deleted`,
      );
    }
    return outcome;
  }
}
