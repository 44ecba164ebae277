import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { QueueName } from './queue.constants';
import { redisOptionsFromUrl } from './redis-connection';

/**
 * BullMQ on Redis. Workers keep retrying a lost connection forever (maxRetriesPerRequest: null), while the
 * producers fail fast (no offline queue): the receiver must never wait on Redis, because a stored event
 * that could not be enqueued is picked up by the sweeper anyway.
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
    BullModule.registerQueueAsync({
      name: QueueName.Events,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: {
          ...redisOptionsFromUrl(config.redis.url),
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
        },
      }),
    }),
  ],
  exports: [BullModule],
})
export class QueueModule {}
