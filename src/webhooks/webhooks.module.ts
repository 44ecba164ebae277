import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EndpointResolver } from './endpoints/endpoint.resolver';
import { WebhookEndpointsController } from './endpoints/webhook-endpoints.controller';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { WebhookEndpointEntity } from './entities/webhook-endpoint.entity';
import { EventWebhookRegistrationService } from './event-webhook-registration.service';
import { IngestWriter } from './receiver/ingest.writer';
import { ReceiverStatsController } from './receiver/receiver-stats.controller';
import { ReceiverStats } from './receiver/receiver.stats';
import { WebhookReceiver } from './receiver/webhook-receiver.service';
import { WebhookReceiverTransport } from './receiver/webhook-receiver.transport';

/**
 * The webhook receiver (plain Fastify routes at /webhooks/socketlabs, registered only where there is an HTTP
 * server) and the registry of receiver endpoints (/api/v1/webhook-endpoints).
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity])],
  controllers: [ReceiverStatsController, WebhookEndpointsController],
  providers: [
    EndpointResolver,
    WebhookEndpointsService,
    ReceiverStats,
    IngestWriter,
    WebhookReceiver,
    WebhookReceiverTransport,
    EventWebhookRegistrationService,
  ],
  exports: [WebhookEndpointsService, EventWebhookRegistrationService],
})
export class WebhooksModule {}
