import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { CacheInvalidation } from './cache-invalidation';
import { databaseOptions } from './database-options';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...databaseOptions(config.database.url, config.database.poolSize),
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [CacheInvalidation],
  exports: [CacheInvalidation],
})
export class DatabaseModule {}
