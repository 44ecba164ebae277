import { OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { databaseOptions } from './database-options';

/**
 * Where the read API reads (events, messages, suppressions, the change feed): a replica when DATABASE_READ_URL
 * is set, the primary otherwise. Everything that writes, and every read that must see the latest write (API
 * keys, receiver endpoints, the workers, a replay), uses the primary's DataSource. A process without an HTTP
 * server (ROLE=worker) serves no reads and opens no connection to the replica.
 */
export class ReadDatabase implements OnApplicationShutdown {
  private constructor(
    readonly dataSource: DataSource,
    /** True when this is a replica of its own (closed with the application), false when it is the primary. */
    readonly isReplica: boolean,
  ) {}

  static async connect(config: AppConfig, primary: DataSource): Promise<ReadDatabase> {
    const { readUrl, poolSize } = config.database;
    if (!readUrl || config.role === 'worker') return new ReadDatabase(primary, false);
    const replica = new DataSource(databaseOptions(readUrl, poolSize, 'socketlabs-gateway-read'));
    return new ReadDatabase(await replica.initialize(), true);
  }

  repository<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.dataSource.getRepository(entity);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.isReplica && this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
