import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../core/http/app.exception';
import { SocketLabsPageQueryDto, toSocketLabsQuery } from '../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsClient } from '../socketlabs/socketlabs.client';
import { SocketLabsPaths } from '../socketlabs/socketlabs.paths';
import type { SocketLabsList, SocketLabsTrackingDomain } from '../socketlabs/socketlabs.types';
import {
  CreateTrackingDomainDto,
  TRACKING_FLAGS,
  trackingFlags,
  UpdateTrackingDomainDto,
} from './dto/tracking-domain.dto';

/** A subaccount's engagement tracking domains at SocketLabs. */
@Injectable()
export class TrackingDomainsService {
  constructor(private readonly socketlabs: SocketLabsClient) {}

  create(subaccountId: number, dto: CreateTrackingDomainDto): Promise<SocketLabsTrackingDomain> {
    const body = { domain: dto.domain, ...trackingFlags(dto) };
    return this.socketlabs.call({ ...SocketLabsPaths.createSubaccountTrackingDomain(subaccountId), body });
  }

  list(subaccountId: number, query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsTrackingDomain>> {
    return this.socketlabs.list({
      ...SocketLabsPaths.listSubaccountTrackingDomains(subaccountId),
      query: toSocketLabsQuery(query),
    });
  }

  get(subaccountId: number, domain: string): Promise<SocketLabsTrackingDomain> {
    return this.socketlabs.call(SocketLabsPaths.getSubaccountTrackingDomain(subaccountId, domain));
  }

  update(subaccountId: number, domain: string, dto: UpdateTrackingDomainDto): Promise<SocketLabsTrackingDomain> {
    const body = trackingFlags(dto);
    if (Object.keys(body).length === 0) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        `give at least one of ${TRACKING_FLAGS.join(', ')}`,
      );
    }
    return this.socketlabs.call({ ...SocketLabsPaths.updateSubaccountTrackingDomain(subaccountId, domain), body });
  }

  async delete(subaccountId: number, domain: string): Promise<void> {
    await this.socketlabs.call(SocketLabsPaths.deleteSubaccountTrackingDomain(subaccountId, domain));
  }
}
