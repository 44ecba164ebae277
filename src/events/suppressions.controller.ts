import { Controller, Delete, Get, HttpStatus, Param, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../core/audit/audit.service';
import { CurrentPrincipal, Principal, RequireScopes } from '../core/auth/auth.decorators';
import { AppException } from '../core/http/app.exception';
import { ListSuppressionsQueryDto, SuppressionListResponseDto, SuppressionResponseDto } from './dto/suppression.dto';
import { ApiInvalidRequest, ApiNotFound } from './events.openapi';
import { SuppressionsService } from './suppressions.service';

const ADDRESS_PARAM = {
  name: 'address',
  description: 'Recipient address, case-insensitive (URL-encoded).',
  example: 'jane@example.com',
};

function checkAddress(address: string): string {
  if (address.length < 1 || address.length > 320) {
    throw new AppException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'address must be 1 to 320 characters');
  }
  return address;
}

@ApiTags('Suppressions')
@Controller('suppressions')
export class SuppressionsController {
  constructor(
    private readonly suppressions: SuppressionsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Addresses not to send to again: permanent failures, complaints and unsubscribes, each with the event that
   * caused it. Newest first by default.
   */
  @Get()
  @RequireScopes('events:read')
  @ApiOkResponse({ type: SuppressionListResponseDto })
  @ApiInvalidRequest()
  listSuppressions(@Query() query: ListSuppressionsQueryDto): Promise<SuppressionListResponseDto> {
    return this.suppressions.list(query);
  }

  /**
   * Whether an address is suppressed: 200 with the reason if it is, 404 if it may be sent to. One index
   * lookup, meant to be called before sending. An erased address that was suppressed is still found
   * (`erased: true`, without its event): erasure does not make an address that complained mailable again.
   */
  @Get(':address')
  @RequireScopes('events:read')
  @ApiParam(ADDRESS_PARAM)
  @ApiOkResponse({ type: SuppressionResponseDto })
  @ApiInvalidRequest()
  @ApiNotFound('Suppression')
  getSuppression(@Param('address') address: string): Promise<SuppressionResponseDto> {
    return this.suppressions.get(checkAddress(address));
  }

  /**
   * Removes an address from the suppression list and answers the removed entry (also the one kept for an
   * erased address). A later event that suppresses the address (a new bounce, complaint or unsubscribe) adds
   * it again.
   */
  @Delete(':address')
  @RequireScopes('admin')
  @ApiParam(ADDRESS_PARAM)
  @ApiOkResponse({ type: SuppressionResponseDto })
  @ApiInvalidRequest()
  @ApiNotFound('Suppression')
  async deleteSuppression(
    @Param('address') address: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<SuppressionResponseDto> {
    const removed = await this.suppressions.remove(checkAddress(address));
    await this.audit.record(principal, {
      action: 'suppressions.delete',
      method: 'DELETE',
      path: `/api/v1/suppressions/${encodeURIComponent(removed.address)}`,
      target: removed.address,
      status: HttpStatus.OK,
      details: { reason: removed.reason, eventId: removed.eventId, erased: removed.erased },
      requestId: String(req.id),
    });
    return removed;
  }
}
