import { Injectable } from '@nestjs/common';
import { SocketLabsPageQueryDto, toSocketLabsQuery } from '../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsClient } from '../socketlabs/socketlabs.client';
import { SocketLabsPaths } from '../socketlabs/socketlabs.paths';
import type {
  SocketLabsCreateSubaccountBody,
  SocketLabsInjectionApiCredentials,
  SocketLabsList,
  SocketLabsSmtpCredentials,
  SocketLabsSubaccount,
} from '../socketlabs/socketlabs.types';
import { CreateSubaccountDto, UpdateSubaccountDto } from './dto/subaccount.dto';

/** Subaccounts and their credentials, proxied to SocketLabs. */
@Injectable()
export class SubaccountsService {
  constructor(private readonly socketlabs: SocketLabsClient) {}

  create(dto: CreateSubaccountDto): Promise<SocketLabsSubaccount> {
    // The DTO guarantees exactly one of the two; `useRuleEngine: false` next to a pool is not sent.
    const body: SocketLabsCreateSubaccountBody =
      dto.ipPoolId !== undefined && dto.ipPoolId !== null
        ? { name: dto.name, ipPoolId: dto.ipPoolId }
        : { name: dto.name, useRuleEngine: true };
    return this.socketlabs.call({ ...SocketLabsPaths.createSubaccount(), body });
  }

  list(query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsSubaccount>> {
    return this.socketlabs.list({ ...SocketLabsPaths.listSubaccounts(), query: toSocketLabsQuery(query) });
  }

  get(subaccountId: number): Promise<SocketLabsSubaccount> {
    return this.socketlabs.call(SocketLabsPaths.getSubaccount(subaccountId));
  }

  update(subaccountId: number, dto: UpdateSubaccountDto): Promise<SocketLabsSubaccount> {
    const body: Partial<SocketLabsCreateSubaccountBody> = {};
    if (dto.name !== undefined) body.name = dto.name;
    if (dto.ipPoolId !== undefined && dto.ipPoolId !== null) body.ipPoolId = dto.ipPoolId;
    else if (typeof dto.useRuleEngine === 'boolean') body.useRuleEngine = dto.useRuleEngine;
    return this.socketlabs.call({ ...SocketLabsPaths.updateSubaccount(subaccountId), body });
  }

  async delete(subaccountId: number): Promise<void> {
    await this.socketlabs.call(SocketLabsPaths.deleteSubaccount(subaccountId));
  }

  createInjectionApiCredentials(subaccountId: number): Promise<SocketLabsInjectionApiCredentials> {
    return this.socketlabs.call(SocketLabsPaths.createSubaccountInjectionApiCredentials(subaccountId));
  }

  getSmtpCredentials(subaccountId: number): Promise<SocketLabsSmtpCredentials> {
    return this.socketlabs.call(SocketLabsPaths.getSubaccountSmtpCredentials(subaccountId));
  }

  setSmtpPassword(subaccountId: number, password: string): Promise<SocketLabsSmtpCredentials> {
    return this.socketlabs.call({ ...SocketLabsPaths.setSubaccountSmtpPassword(subaccountId), body: { password } });
  }
}
