import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EmailEventEntity } from './entities/email-event.entity';
import { MessageEntity } from './entities/message.entity';
import { SuppressionEntity } from './entities/suppression.entity';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { SuppressionsController } from './suppressions.controller';
import { SuppressionsService } from './suppressions.service';

/** The read API over what the receiver stored and the worker derived: events, messages, suppressions. */
@Module({
  imports: [TypeOrmModule.forFeature([EmailEventEntity, MessageEntity, SuppressionEntity])],
  controllers: [EventsController, MessagesController, SuppressionsController],
  providers: [EventsService, MessagesService, SuppressionsService],
})
export class EventsModule {}
