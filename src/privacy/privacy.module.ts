import { Module } from '@nestjs/common';
import { AddressErasureService } from './address-erasure.service';
import { AddressesController } from './addresses.controller';

/**
 * What the people whose addresses the service holds can ask of it: erasure of one address (docs/privacy.md).
 * Works on the events module's tables, on the primary; the database, the config and the audit log come from global
 * modules.
 */
@Module({
  controllers: [AddressesController],
  providers: [AddressErasureService],
})
export class PrivacyModule {}
