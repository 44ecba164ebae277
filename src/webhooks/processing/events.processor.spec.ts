import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../core/config/app-config';
import { JobName } from '../../core/queue/queue.constants';
import { StorageMaintenanceService } from '../../events/storage/storage-maintenance.service';
import {
  BatchOutcome,
  EventProcessingService,
  isInfrastructureError,
  lockKey,
  messageKeys,
} from './event-processing.service';
import { normalizedRow } from '../normalizing/event-columns';
import { normalizeEvent } from '../normalizing/event-normalizer';
import { EventsProcessor, MAX_BATCH, eventIdsOf } from './events.processor';
import { PendingSweeperService } from './pending-sweeper.service';

function job(name: string, data: unknown): Job {
  return { id: 'j1', name, data } as unknown as Job;
}

function processorWith(outcome: Partial<BatchOutcome> = {}) {
  const calls: string[][] = [];
  const processing = {
    processBatch: (ids: string[]) => {
      calls.push(ids);
      return Promise.resolve({ processed: ids.length, retrying: 0, dead: 0, skipped: 0, ...outcome });
    },
  } as unknown as EventProcessingService;
  const sweeper = { sweep: () => Promise.resolve({ ran: true, swept: true }) } as unknown as PendingSweeperService;
  const storage = {
    maintain: () => Promise.resolve({ ran: true, maintained: true }),
  } as unknown as StorageMaintenanceService;
  const config = { worker: { concurrency: 3 } } as AppConfig;
  return { processor: new EventsProcessor(config, processing, sweeper, storage), calls };
}

beforeAll(() => Logger.overrideLogger(false));

describe('EventsProcessor.process', () => {
  it('processes the ids of a process-events job', async () => {
    const { processor, calls } = processorWith();
    await expect(processor.process(job(JobName.ProcessEvents, { eventIds: ['3', '1', '3'] }))).resolves.toMatchObject({
      processed: 2,
    });
    expect(calls).toEqual([['3', '1']]);
  });

  it('splits a job larger than one transaction should take', async () => {
    const { processor, calls } = processorWith();
    const ids = Array.from({ length: MAX_BATCH * 2 + 1 }, (_, i) => String(i + 1));
    await processor.process(job(JobName.ProcessEvents, { eventIds: ids }));
    expect(calls.map((c) => c.length)).toEqual([MAX_BATCH, MAX_BATCH, 1]);
  });

  it('throws (so BullMQ retries with backoff) while some events are still to be retried', async () => {
    const { processor } = processorWith({ retrying: 1 });
    await expect(processor.process(job(JobName.ProcessEvents, { eventIds: ['1', '2'] }))).rejects.toThrow(
      /1 of 2 events failed/,
    );
  });

  it('does not throw when the failing events are dead: retrying would change nothing', async () => {
    const { processor } = processorWith({ dead: 1 });
    await expect(processor.process(job(JobName.ProcessEvents, { eventIds: ['1'] }))).resolves.toMatchObject({
      dead: 1,
    });
  });

  it('runs the sweep and the storage maintenance', async () => {
    const { processor } = processorWith();
    await expect(processor.process(job(JobName.SweepPending, {}))).resolves.toEqual({ ran: true, swept: true });
    await expect(processor.process(job(JobName.MaintainStorage, {}))).resolves.toEqual({ ran: true, maintained: true });
  });

  it.each([
    ['no data', undefined],
    ['no eventIds', {}],
    ['empty eventIds', { eventIds: [] }],
    ['eventIds not an array', { eventIds: '1' }],
    ['a non-numeric id', { eventIds: ['1', 'abc'] }],
    ['a zero id', { eventIds: ['0'] }],
    ['a negative id', { eventIds: [-1] }],
  ])('fails a job with %s as unrecoverable', async (_what, data) => {
    const { processor, calls } = processorWith();
    await expect(processor.process(job(JobName.ProcessEvents, data))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(calls).toEqual([]);
  });

  it('fails an unknown job name as unrecoverable', async () => {
    const { processor } = processorWith();
    await expect(processor.process(job('something-else', {}))).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('accepts numeric ids', () => {
    expect(eventIdsOf({ eventIds: [1, 2] })).toEqual(['1', '2']);
  });
});

describe('isInfrastructureError', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [{ driverError: { code: '57P01' }, message: 'terminating connection due to administrator command' }, true],
    [{ code: '08006', message: 'connection failure' }, true],
    [{ code: '40P01', message: 'deadlock detected' }, true],
    [{ code: '53300', message: 'too many connections' }, true],
    [{ code: '22P02', message: 'invalid input syntax for type integer' }, false],
    [{ driverError: { code: 'P0001' }, message: 'poisoned' }, false],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }, false],
    [new Error('raw body is not valid JSON'), false],
  ])('%p -> %p', (err, expected) => {
    expect(isInfrastructureError(err)).toBe(expected);
  });
});

describe('messageKeys and lockKey', () => {
  it('one key per (message id or "", lower-cased address), none without an address or for an unknown type', () => {
    const keys = messageKeys(
      [
        { Type: 'Queued', MessageId: 'm1', Address: 'B@x.com' },
        { Type: 'Delivered', MessageId: 'm1', Address: 'b@X.com' },
        { Type: 'Delivered', Address: 'a@x.com' },
        { Type: 'Delivered', MessageId: '', Address: 'a@x.com' },
        { Type: 'Delivered', MessageId: 'm2', Address: '' },
        { Type: 'Delivered', MessageId: 'm3' },
        { Type: 'Mystery', MessageId: 'm4', Address: 'c@x.com' },
      ].map(
        (fields) =>
          normalizedRow(normalizeEvent(fields)) as {
            known_type: boolean;
            address: string | null;
            message_id: string | null;
          },
      ),
    );
    expect(keys).toEqual([
      { messageId: '', address: 'a@x.com' },
      { messageId: 'm1', address: 'b@x.com' },
    ]);
  });

  it('lock keys are stable 32-bit integers that tell keys apart', () => {
    expect(lockKey('m', 'a@b.c')).toBe(lockKey('m', 'a@b.c'));
    expect(lockKey('m', 'a@b.c')).not.toBe(lockKey('ma', '@b.c'));
    expect(Number.isInteger(lockKey('m', 'a'))).toBe(true);
    expect(Math.abs(lockKey('m', 'a'))).toBeLessThanOrEqual(2 ** 31);
  });
});
