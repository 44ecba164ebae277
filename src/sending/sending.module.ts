import { Module } from '@nestjs/common';
import { SendAuditInterceptor } from './send-audit.interceptor';
import { SendingController } from './sending.controller';
import { SendingService } from './sending.service';

/** POST /api/v1/messages: sends through SocketLabs' Injection API (SocketLabsClient is global). */
@Module({
  controllers: [SendingController],
  providers: [SendingService, SendAuditInterceptor],
})
export class SendingModule {}
