import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { SubaccountEventWebhooksController } from './subaccount-event-webhooks.controller';
import { SubaccountEventWebhooksService } from './subaccount-event-webhooks.service';
import { SubaccountsController } from './subaccounts.controller';
import { SubaccountsService } from './subaccounts.service';

/** SocketLabs subaccounts, their credentials (Injection API, SMTP) and their event webhooks. */
@Module({
  imports: [WebhooksModule],
  controllers: [SubaccountsController, SubaccountEventWebhooksController],
  providers: [SubaccountsService, SubaccountEventWebhooksService],
})
export class SubaccountsModule {}
