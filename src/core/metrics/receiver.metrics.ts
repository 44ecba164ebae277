import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Counter, Gauge } from 'prom-client';
import { ReceiverStats } from '../../webhooks/receiver/receiver.stats';
import type { RejectReason } from '../../webhooks/receiver/webhook-body.parser';
import { registerCollectedHistogram } from './collected-histogram';
import { METRIC_PREFIX, MetricsRegistry } from './metrics.registry';

/** The status the receiver answers each refusal with (a reason added to RejectReason must be given one here). */
export const REJECT_STATUS: Record<RejectReason, number> = {
  empty_body: 400,
  unparseable_body: 400,
  nesting_too_deep: 400,
  bad_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unknown_endpoint: 401,
  disabled_endpoint: 401,
  endpoint_not_configured: 401,
  missing_secret: 401,
  wrong_secret: 401,
  server_id_mismatch: 401,
  subaccount_id_mismatch: 401,
  event_store_unavailable: 503,
  internal_error: 500,
};

/**
 * The webhook receiver's metrics, read from the counters it keeps anyway (ReceiverStats) when Prometheus scrapes:
 * no work is added to a webhook request. The ingest writer feeds three fixed-bucket histograms once per INSERT
 * (a few additions per batch of up to 500 events).
 */
@Injectable()
export class ReceiverMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    // The receiver's module provides its counters; they are looked up rather than exported to the core.
    const stats = this.moduleRef.get(ReceiverStats, { strict: false });
    const registers = [this.metrics.registry];
    new Counter({
      name: `${METRIC_PREFIX}webhook_requests_total`,
      help: 'Webhook requests answered, by outcome (accepted: 200; rejected), reason (accepted, or why it was refused) and HTTP status.',
      labelNames: ['outcome', 'reason', 'status'],
      registers,
      collect() {
        const s = stats.snapshot();
        this.reset();
        this.inc({ outcome: 'accepted', reason: 'accepted', status: '200' }, s.acceptedRequests);
        for (const [reason, n] of Object.entries(s.rejections)) {
          this.inc({ outcome: 'rejected', reason, status: String(REJECT_STATUS[reason as RejectReason] ?? 0) }, n);
        }
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}webhook_events_total`,
      help: 'Events of accepted webhook requests: stored (a new row), duplicate (already stored: a SocketLabs retry), validation (a handshake, not stored).',
      labelNames: ['result'],
      registers,
      collect() {
        const s = stats.snapshot();
        this.reset();
        this.inc({ result: 'stored' }, s.storedEvents);
        this.inc({ result: 'duplicate' }, s.duplicateEvents);
        this.inc({ result: 'validation' }, s.validationEvents);
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}webhook_enqueue_failures_total`,
      help: 'Committed batches whose processing job could not be enqueued (Redis down); the sweeper enqueues them later.',
      registers,
      collect() {
        this.reset();
        this.inc(stats.snapshot().enqueueFailures);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}webhook_requests_in_flight`,
      help: 'Webhook requests received and not answered yet, now.',
      registers,
      collect() {
        this.set(stats.inFlight);
      },
    });
    registerCollectedHistogram(
      this.metrics.registry,
      `${METRIC_PREFIX}ingest_batch_rows`,
      'Rows per INSERT of the ingest writer (the group commit of concurrent webhook requests).',
      () => stats.batchRows,
    );
    registerCollectedHistogram(
      this.metrics.registry,
      `${METRIC_PREFIX}webhook_request_seconds`,
      'Webhook requests by duration, from the request to its answer (what SocketLabs waits).',
      () => stats.requestSeconds,
    );
    registerCollectedHistogram(
      this.metrics.registry,
      `${METRIC_PREFIX}ingest_commit_seconds`,
      'Duration of each INSERT of the ingest writer, commit included.',
      () => stats.commitSeconds,
    );
    registerCollectedHistogram(
      this.metrics.registry,
      `${METRIC_PREFIX}webhook_store_latency_seconds`,
      'Per stored event, from its request being accepted (body read, secret checked) to its commit: what a webhook request waits for PostgreSQL. Measured on the oldest event of each INSERT, hence an upper bound.',
      () => stats.storeLatencySeconds,
    );
  }
}
