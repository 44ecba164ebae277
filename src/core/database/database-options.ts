import { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { AuditLogEntity } from '../audit/audit-log.entity';
import { EmailEventEntity } from '../../events/entities/email-event.entity';
import { ErasedSuppressionEntity } from '../../events/entities/erased-suppression.entity';
import { EventBacklogEntity } from '../../events/entities/event-backlog.entity';
import { EventCountDeltaEntity, EventCountEntity } from '../../events/entities/event-count.entity';
import { MessageEntity } from '../../events/entities/message.entity';
import { SuppressionEntity } from '../../events/entities/suppression.entity';
import { WebhookEndpointEntity } from '../../webhooks/entities/webhook-endpoint.entity';
import { migrations } from './migrations';
import { ParameterFreeTypeOrmLogger } from './typeorm-logger';

export const entities = [
  ApiKeyEntity,
  AuditLogEntity,
  EmailEventEntity,
  ErasedSuppressionEntity,
  EventBacklogEntity,
  EventCountDeltaEntity,
  EventCountEntity,
  MessageEntity,
  SuppressionEntity,
  WebhookEndpointEntity,
];

/**
 * The one options factory, shared by the application and the TypeORM CLI (data-source.ts), so that
 * migrations are generated against exactly what the app runs. Never `synchronize`.
 */
export function databaseOptions(url: string, poolSize = 20, applicationName = 'socketlabs-gateway'): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension, so no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: ['error', 'warn'],
    logger: new ParameterFreeTypeOrmLogger(),
    maxQueryExecutionTime: 2000,
    extra: {
      max: poolSize,
      // Fail fast when PostgreSQL is unreachable, so that the receiver answers 503 instead of hanging.
      connectionTimeoutMillis: 3000,
      statement_timeout: 15000,
      application_name: applicationName,
    },
  };
}
