import { Module } from '@nestjs/common';
import { StorageMaintenanceService } from '../events/storage/storage-maintenance.service';
import { EventProcessingService } from './processing/event-processing.service';
import { EventsProcessor } from './processing/events.processor';
import { PendingSweeperService } from './processing/pending-sweeper.service';

/**
 * The processors of stored events. Loaded only by processes whose ROLE runs workers (`all`, `worker`).
 * The database, the queue and the config come from global modules.
 */
@Module({
  providers: [EventProcessingService, PendingSweeperService, StorageMaintenanceService, EventsProcessor],
  exports: [EventProcessingService, PendingSweeperService],
})
export class WebhooksWorkerModule {}
