import { Global, Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { ApiMetrics } from './api.metrics';
import { BacklogMetrics } from './backlog.metrics';
import { MetricsEndpoint } from './metrics.endpoint';
import { MetricsRegistry } from './metrics.registry';
import { ProcessingMetrics } from './processing.metrics';
import { ReceiverMetrics } from './receiver.metrics';
import { SocketLabsMetrics } from './socketlabs.metrics';

/**
 * Prometheus metrics (prom-client): the registry of this context, the metrics of each part of the service, and
 * GET /metrics. Global: the SocketLabs client and the workers report to it (both optionally, so that their unit
 * tests need none of it). The metrics are listed in docs/operations.md.
 */
@Global()
@Module({
  imports: [HealthModule],
  providers: [
    MetricsRegistry,
    ReceiverMetrics,
    ProcessingMetrics,
    SocketLabsMetrics,
    ApiMetrics,
    BacklogMetrics,
    MetricsEndpoint,
  ],
  exports: [MetricsRegistry, ProcessingMetrics, SocketLabsMetrics, ApiMetrics],
})
export class MetricsModule {}
