import { Module } from '@nestjs/common';
import { AuthenticationService } from './authentication.service';
import { BounceDomainsController } from './bounce-domains.controller';
import { DkimController } from './dkim.controller';

/** Sender authentication of a subaccount at SocketLabs: DKIM entries and custom bounce domains. */
@Module({
  controllers: [DkimController, BounceDomainsController],
  providers: [AuthenticationService],
})
export class AuthenticationModule {}
