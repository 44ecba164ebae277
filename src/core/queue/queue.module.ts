import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventJobs } from './event-jobs';
import { QueueName } from './queue.constants';
import { QueueShutdown } from './queue-shutdown';
import { RedisPolicyCheck } from './redis-policy';
import { redisOptionsFromUrl } from './redis-connection';

/**
 * BullMQ on Redis. One connection setting for producers and workers (a Processor inherits its queue's):
 * commands wait for a lost connection to come back (maxRetriesPerRequest: null) rather than fail. Nothing on
 * the webhook path awaits Redis: the receiver enqueues after answering and bounds what it leaves waiting,
 * and the sweeper enqueues whatever was stored but never processed.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: { ...redisOptionsFromUrl(config.redis.url), maxRetriesPerRequest: null },
        prefix: config.redis.prefix,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      }),
    }),
    BullModule.registerQueue({ name: QueueName.Events }),
  ],
  providers: [QueueShutdown, RedisPolicyCheck, EventJobs],
  exports: [BullModule, EventJobs],
})
export class QueueModule {}
