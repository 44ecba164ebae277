import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-response.dto';
import { pageWindow } from '../http/page-query.dto';
import { AuditService } from './audit.service';
import { AuditLogListResponseDto, ListAuditLogQueryDto } from './dto/audit-log.dto';

@ApiTags('Audit log')
@RequireScopes('admin')
@Controller('audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Changes made through this API: who, what, when and the outcome. Newest first by default. */
  @Get()
  @ApiErrors(400)
  async listAuditLog(@Query() query: ListAuditLogQueryDto): Promise<AuditLogListResponseDto> {
    const { skip, take } = pageWindow(query);
    const [data, total] = await this.audit.list(
      skip,
      take,
      query.sortDirection === 'asc' ? 'ASC' : 'DESC',
      query.action,
    );
    return { data, total };
  }
}
