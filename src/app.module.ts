import { DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module';
import { AuthenticationModule } from './authentication/authentication.module';
import { AuditModule } from './core/audit/audit.module';
import { AuthModule } from './core/auth/auth.module';
import { AppConfig } from './core/config/app-config';
import { ConfigModule } from './core/config/config.module';
import { DatabaseModule } from './core/database/database.module';
import { HealthModule } from './core/health/health.module';
import { LoggingModule } from './core/logging/logging.module';
import { MetricsModule } from './core/metrics/metrics.module';
import { QueueModule } from './core/queue/queue.module';
import { ThrottlingModule } from './core/throttling/throttling.module';
import { EventsModule } from './events/events.module';
import { PrivacyModule } from './privacy/privacy.module';
import { SendingModule } from './sending/sending.module';
import { SocketLabsModule } from './socketlabs/socketlabs.module';
import { SubaccountsModule } from './subaccounts/subaccounts.module';
import { TrackingModule } from './tracking/tracking.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  /**
   * The same modules for every process; `ROLE` decides whether the processors are loaded
   * (`all`, `worker`) and main.ts decides whether an HTTP server is started (`all`, `api`).
   */
  static forRoot(config: AppConfig): DynamicModule {
    const runsWorkers = config.role === 'all' || config.role === 'worker';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        DatabaseModule,
        QueueModule,
        AuthModule,
        // After AuthModule: its guard needs the API key that ApiKeyGuard resolved.
        ThrottlingModule.forRoot(config),
        AuditModule,
        HealthModule,
        MetricsModule,
        WebhooksModule,
        EventsModule,
        PrivacyModule,
        SocketLabsModule,
        AccountsModule,
        SubaccountsModule,
        AuthenticationModule,
        TrackingModule,
        SendingModule,
        ...(runsWorkers ? [WebhooksWorkerModule] : []),
      ],
    };
  }
}
