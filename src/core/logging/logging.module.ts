import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { loggingParams } from './logging';

/** Structured logs (nestjs-pino); see loggingParams. */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot(loggingParams(config))], exports: [LoggerModule] };
  }
}
