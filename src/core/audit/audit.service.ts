import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Principal } from '../auth/auth.decorators';
import { redactSecrets } from '../logging/redact';
import { AuditLogEntity } from './audit-log.entity';
import { errorMessage } from '../error-message';

export interface AuditEntry {
  action: string;
  method: string;
  path: string;
  target?: string | null;
  status: number;
  details?: Record<string, unknown> | null;
  error?: string | null;
  requestId?: string | null;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(@InjectRepository(AuditLogEntity) private readonly repo: Repository<AuditLogEntity>) {}

  /** Records a change. Secrets in `details` are redacted. A failure to record is logged, never thrown. */
  async record(principal: Principal | undefined, entry: AuditEntry): Promise<void> {
    try {
      await this.repo.insert(auditRow(principal, entry));
    } catch (err) {
      this.logger.error(`could not record ${entry.action}: ${errorMessage(err)}`);
    }
  }

  /**
   * Records a change inside the transaction that makes it (`manager`): the change and its record commit together,
   * and a failure to record fails the change. For changes that must never go unrecorded (an erasure).
   */
  async recordIn(manager: EntityManager, principal: Principal | undefined, entry: AuditEntry): Promise<void> {
    await manager.getRepository(AuditLogEntity).insert(auditRow(principal, entry));
  }

  list(skip: number, take: number, order: 'ASC' | 'DESC', action?: string): Promise<[AuditLogEntity[], number]> {
    return this.repo.findAndCount({ where: action ? { action } : {}, order: { id: order }, skip, take });
  }
}

function auditRow(principal: Principal | undefined, entry: AuditEntry): QueryDeepPartialEntity<AuditLogEntity> {
  return {
    apiKeyId: principal?.id ?? null,
    apiKeyName: principal?.name ?? null,
    action: entry.action,
    method: entry.method,
    path: entry.path,
    target: entry.target ?? null,
    status: entry.status,
    outcome: entry.status < 400 ? 'success' : 'failure',
    requestId: entry.requestId ?? null,
    details: (entry.details ? redactSecrets(entry.details) : null) as AuditLogEntity['details'] & object,
    error: entry.error ?? null,
  };
}
