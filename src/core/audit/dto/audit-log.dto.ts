import { IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../http/page-query.dto';

export class ListAuditLogQueryDto extends PageQueryDto {
  /** Only this action, e.g. `subaccounts.create`. */
  @IsOptional()
  @IsString()
  action?: string;
}

export class AuditLogEntryDto {
  id: string;
  at: Date;
  apiKeyId: string | null;
  apiKeyName: string | null;
  action: string;
  method: string;
  path: string;
  target: string | null;
  status: number;
  outcome: 'success' | 'failure';
  requestId: string | null;
  details: Record<string, unknown> | null;
  error: string | null;
}

export class AuditLogListResponseDto {
  data: AuditLogEntryDto[];
  total: number;
}
