import { Injectable } from '@nestjs/common';
import { SocketLabsPageQueryDto, toSocketLabsQuery } from '../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsClient } from '../socketlabs/socketlabs.client';
import { SocketLabsPaths } from '../socketlabs/socketlabs.paths';
import type {
  SocketLabsBounceDomain,
  SocketLabsDkimEntry,
  SocketLabsDkimGeneratedKey,
  SocketLabsList,
} from '../socketlabs/socketlabs.types';
import { CreateBounceDomainDto, UpdateBounceDomainDto } from './dto/bounce-domain.dto';
import { CreateDkimDto } from './dto/dkim.dto';

/** A subaccount's sender authentication at SocketLabs: DKIM entries and custom bounce domains (SPF). */
@Injectable()
export class AuthenticationService {
  constructor(private readonly socketlabs: SocketLabsClient) {}

  /**
   * Generated: the documented `?domain=&selector=` call without a body. Provided: the same fields in the body,
   * as SocketLabs documents for a provided key.
   */
  createDkim(subaccountId: number, dto: CreateDkimDto): Promise<SocketLabsDkimGeneratedKey | SocketLabsDkimEntry> {
    const route = SocketLabsPaths.createSubaccountDkim(subaccountId);
    if (dto.privateKey === undefined) {
      return this.socketlabs.call({ ...route, query: { domain: dto.domain, selector: dto.selector } });
    }
    return this.socketlabs.call({
      ...route,
      body: { domain: dto.domain, selector: dto.selector, privateKey: dto.privateKey },
    });
  }

  listDkim(subaccountId: number, query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsDkimEntry>> {
    return this.socketlabs.list({
      ...SocketLabsPaths.listSubaccountDkim(subaccountId),
      query: toSocketLabsQuery(query),
    });
  }

  async deleteDkim(subaccountId: number, domain: string): Promise<void> {
    await this.socketlabs.call(SocketLabsPaths.deleteSubaccountDkim(subaccountId, domain));
  }

  createBounceDomain(subaccountId: number, dto: CreateBounceDomainDto): Promise<SocketLabsBounceDomain> {
    const body: { domain: string; isDefault?: boolean } = { domain: dto.domain };
    if (dto.isDefault !== undefined) body.isDefault = dto.isDefault;
    return this.socketlabs.call({ ...SocketLabsPaths.createSubaccountBounceDomain(subaccountId), body });
  }

  listBounceDomains(
    subaccountId: number,
    query: SocketLabsPageQueryDto,
  ): Promise<SocketLabsList<SocketLabsBounceDomain>> {
    return this.socketlabs.list({
      ...SocketLabsPaths.listSubaccountBounceDomains(subaccountId),
      query: toSocketLabsQuery(query),
    });
  }

  getBounceDomain(subaccountId: number, domain: string): Promise<SocketLabsBounceDomain> {
    return this.socketlabs.call(SocketLabsPaths.getSubaccountBounceDomain(subaccountId, domain));
  }

  updateBounceDomain(
    subaccountId: number,
    domain: string,
    dto: UpdateBounceDomainDto,
  ): Promise<SocketLabsBounceDomain> {
    return this.socketlabs.call({
      ...SocketLabsPaths.updateSubaccountBounceDomain(subaccountId, domain),
      body: { isDefault: dto.isDefault },
    });
  }

  async deleteBounceDomain(subaccountId: number, domain: string): Promise<void> {
    await this.socketlabs.call(SocketLabsPaths.deleteSubaccountBounceDomain(subaccountId, domain));
  }
}
