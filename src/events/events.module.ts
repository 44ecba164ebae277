import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EmailEventEntity } from './entities/email-event.entity';
import { SuppressionEntity } from './entities/suppression.entity';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { SuppressionsController } from './suppressions.controller';
import { SuppressionsService } from './suppressions.service';

/**
 * The read API over what the receiver stored and the worker derived: events, messages, suppressions. It reads
 * through ReadDatabase (a replica when DATABASE_READ_URL is set); replays and suppression removals write to the primary.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EmailEventEntity, SuppressionEntity])],
  controllers: [EventsController, MessagesController, SuppressionsController],
  providers: [EventsService, MessagesService, SuppressionsService],
})
export class EventsModule {}
