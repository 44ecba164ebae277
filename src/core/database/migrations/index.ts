// Every migration, in order. Listed by hand so that the build and ts-jest need no glob over compiled files.
// A migration is never edited once it has landed: add a new one (npm run migration:generate).
import type { MigrationInterface } from 'typeorm';
import { Initial1795442493460 } from './1795442493460-Initial';
import { ChangeFeed1795447370766 } from './1795447370766-ChangeFeed';
import { FormRawAsSent1796342400000 } from './1796342400000-FormRawAsSent';
import { FailedEventsIndex1796425200000 } from './1796425200000-FailedEventsIndex';
import { EventsWrittenOnce1796601600000 } from './1796601600000-EventsWrittenOnce';
import { ErasedSuppressions1796638749142 } from './1796638749142-ErasedSuppressions';

/** A migration class, as TypeORM takes it. */
export type MigrationClass = new () => MigrationInterface;

export const migrations: MigrationClass[] = [
  Initial1795442493460,
  ChangeFeed1795447370766,
  FormRawAsSent1796342400000,
  FailedEventsIndex1796425200000,
  EventsWrittenOnce1796601600000,
  ErasedSuppressions1796638749142,
];
