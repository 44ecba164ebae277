import { DataSource } from 'typeorm';
import { MessageEntity } from '../../src/events/entities/message.entity';
import { SuppressionEntity } from '../../src/events/entities/suppression.entity';
import { StoredFieldValues } from '../../src/events/event-fields';
import { columnsFromProperties, StoredState, storeEvent } from '../utils/stored-events';

/** An event by the API's property names; what is not given is null. */
export type SeedEvent = Partial<StoredFieldValues> & {
  type?: string | null;
  knownType?: boolean | null;
  /** Null or absent: no readable DateTime (stored '-infinity'). */
  occurredAt?: Date | null;
  receivedAt?: Date;
  endpointId?: string | null;
  raw?: string;
  /** The raw payload as an object (JSON); by default `{Type, Address}` of the event. */
  rawEvent?: Record<string, unknown>;
  state?: StoredState;
  attempts?: number;
  lastError?: string | null;
};

/**
 * Rows as the receiver and the worker write them, inserted directly: these tests cover the read API only. Every
 * event has its typed columns and its change-feed position (the receiver writes them at ingest); a pending or failed
 * one has its backlog row (attempts, last error); each is counted under its state.
 */
export async function seedEvent(ds: DataSource, row: SeedEvent): Promise<string> {
  const { rawEvent, raw, state, attempts, lastError, receivedAt, endpointId, ...properties } = row;
  const type = properties.type === undefined ? 'Delivered' : properties.type;
  const text = raw ?? JSON.stringify(rawEvent ?? { Type: type, Address: properties.address ?? 'x@example.com' });
  const columns = columnsFromProperties({
    ...properties,
    type,
    // The receiver stores the address trimmed and lower-cased (raw keeps it as sent).
    address: typeof properties.address === 'string' ? properties.address.trim().toLowerCase() : properties.address,
  });
  return storeEvent(ds, {
    raw: text,
    format: 'json',
    columns,
    receivedAt: receivedAt ?? new Date(),
    endpointId,
    state: state ?? 'processed',
    attempts: attempts ?? (state === 'failed' ? 5 : 0),
    lastError,
  });
}

export async function seedMessage(ds: DataSource, row: Partial<MessageEntity>): Promise<string> {
  const result = await ds.getRepository(MessageEntity).insert({ messageId: '', status: 'queued', ...row });
  return String(result.identifiers[0].id);
}

export async function seedSuppression(
  ds: DataSource,
  row: Partial<SuppressionEntity> & { address: string; eventId: string },
): Promise<void> {
  await ds.getRepository(SuppressionEntity).insert({ reason: 'permanent_failure', ...row });
}
