import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { CacheInvalidation } from './cache-invalidation';
import { databaseOptions } from './database-options';
import { ReadDatabase } from './read-database';

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
  providers: [
    CacheInvalidation,
    {
      provide: ReadDatabase,
      inject: [AppConfig, DataSource],
      useFactory: (config: AppConfig, primary: DataSource) => ReadDatabase.connect(config, primary),
    },
  ],
  exports: [CacheInvalidation, ReadDatabase],
})
export class DatabaseModule {}
