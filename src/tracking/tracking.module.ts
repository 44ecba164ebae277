import { Module } from '@nestjs/common';
import { TrackingDomainsController } from './tracking-domains.controller';
import { TrackingDomainsService } from './tracking-domains.service';

/** Engagement tracking domains of a subaccount at SocketLabs. */
@Module({
  controllers: [TrackingDomainsController],
  providers: [TrackingDomainsService],
})
export class TrackingModule {}
