import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { WebhooksModule } from '../webhooks/webhooks.module';

/** Account-level SocketLabs operations (IP allocations, IP pools, account event webhooks). */
@Module({
  imports: [WebhooksModule],
  controllers: [AccountsController],
  providers: [AccountsService],
})
export class AccountsModule {}
