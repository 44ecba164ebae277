import { Module } from '@nestjs/common';
import { SendingController } from './sending.controller';
import { SendingService } from './sending.service';

/** POST /api/v1/messages: sends through SocketLabs' Injection API (SocketLabsClient is global). */
@Module({
  controllers: [SendingController],
  providers: [SendingService],
})
export class SendingModule {}
