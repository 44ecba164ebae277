import { Controller, Delete, HttpStatus, Param, Req } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Principal, RequireScopes } from '../core/auth/auth.decorators';
import { AppException } from '../core/http/app.exception';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { storedAddress } from '../events/address-fingerprint';
import { ApiInvalidRequest } from '../events/events.openapi';
import { AddressErasureService } from './address-erasure.service';
import { AddressErasureResponseDto } from './dto/address-erasure.dto';

@ApiTags('Privacy')
@Controller('addresses')
export class AddressesController {
  constructor(private readonly erasure: AddressErasureService) {}

  /**
   * Erases one address (a person's right to erasure), in one transaction: its events are anonymised (kept and
   * counted, so the statistics do not change, with nothing of the address left: text, typed fields, metadata,
   * dedupe key), its messages deleted, its suppression entry deleted and kept under the address' fingerprint
   * (so that it is still not mailed), and earlier audit entries that named it redacted. Recorded in the audit log
   * under the fingerprint, never the address; the address is not logged either. Idempotent: an address that
   * nothing holds answers 200 with zeros. Events that arrive for it later (a late open, a SocketLabs retry) are
   * stored as usual: erase again to remove them. See docs/privacy.md.
   */
  @Delete(':address')
  @RequireScopes('admin')
  @ApiParam({
    name: 'address',
    description: 'The address to erase, case-insensitive (URL-encoded).',
    example: 'jane@example.com',
  })
  @ApiOkResponse({ type: AddressErasureResponseDto })
  @ApiInvalidRequest()
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'ERASURE_SECRET is not configured (ERASURE_NOT_CONFIGURED): nothing was erased.',
  })
  eraseAddress(
    @Param('address') address: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<AddressErasureResponseDto> {
    const stored = storedAddress(address);
    if (stored.length < 1 || stored.length > 320) {
      throw new AppException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'address must be 1 to 320 characters');
    }
    return this.erasure.erase(stored, principal, String(req.id));
  }
}
