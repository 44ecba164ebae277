import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { EmailEventEntity } from '../../src/events/entities/email-event.entity';
import { MessageEntity } from '../../src/events/entities/message.entity';
import { SuppressionEntity } from '../../src/events/entities/suppression.entity';

/**
 * Rows as the receiver and the worker write them, inserted directly: these tests cover the read API only.
 * A processed event has its typed columns; a pending one only raw and type; a failed one a last_error.
 */
export async function seedEvent(ds: DataSource, row: Partial<EmailEventEntity> & { rawEvent?: Record<string, unknown> }): Promise<string> {
  const { rawEvent, ...columns } = row;
  const raw = row.raw ?? JSON.stringify(rawEvent ?? { Type: row.type ?? 'Delivered', Address: row.address ?? 'x@example.com' });
  const state = row.state ?? 'processed';
  const result = await ds.getRepository(EmailEventEntity).insert({
    receivedAt: new Date(),
    dedupeKey: randomBytes(16).toString('hex'),
    format: 'json',
    type: 'Delivered',
    knownType: state === 'processed' ? true : null,
    processedAt: state === 'processed' ? new Date() : null,
    attempts: state === 'pending' ? 0 : 1,
    ...columns,
    // The worker stores the address trimmed and lower-cased (raw keeps it as sent).
    address: columns.address === undefined ? undefined : (columns.address?.trim().toLowerCase() ?? null),
    state,
    raw,
  } as QueryDeepPartialEntity<EmailEventEntity>);
  return String(result.identifiers[0].id);
}

export async function seedMessage(ds: DataSource, row: Partial<MessageEntity>): Promise<string> {
  const result = await ds.getRepository(MessageEntity).insert({ messageId: '', status: 'queued', ...row } as MessageEntity);
  return String(result.identifiers[0].id);
}

export async function seedSuppression(ds: DataSource, row: Partial<SuppressionEntity> & { address: string; eventId: string }): Promise<void> {
  await ds.getRepository(SuppressionEntity).insert({ reason: 'permanent_failure', ...row });
}
