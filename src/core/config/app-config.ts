import { EnvironmentVariables, Role, validateEnvironment } from './environment';

/**
 * The validated configuration, split into typed namespaces. Injected by its class:
 * `constructor(private readonly config: AppConfig)`.
 */
export class AppConfig {
  readonly env: EnvironmentVariables['NODE_ENV'];
  readonly role: Role;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  readonly logFormat: EnvironmentVariables['LOG_FORMAT'];
  /** Per minute; 0 turns a limit off. */
  readonly rateLimit: { perKeyPerMinute: number; authFailuresPerMinute: number };
  readonly http: { port: number; host: string; publicUrl?: string };
  readonly database: { url: string; poolSize: number; readUrl?: string };
  readonly redis: { url: string; prefix: string };
  readonly auth: { adminApiKey?: string };
  readonly socketlabs: {
    apiKey?: string;
    apiUrl: string;
    injectUrl: string;
    serverId?: number;
    timeoutMs: number;
    maxRetries: number;
  };
  readonly webhook: { secretKey?: string; validationKey?: string; serverId?: number; bodyLimit: number };
  readonly worker: {
    concurrency: number;
    /** ROLE=all: the worker thread's nice value (Linux). */
    threadNice: number;
    sweeperDelaySeconds: number;
    stopTimeoutSeconds: number;
  };
  readonly metrics: { token?: string; port?: number };
  /** Days of events and of audit log entries kept (undefined: all). */
  readonly storage: { eventRetentionDays?: number; auditRetentionDays?: number };
  /** The secret of the address fingerprints left by erasure (undefined: erasure is not available). */
  readonly privacy: { fingerprintSecret?: string };

  constructor(v: EnvironmentVariables) {
    this.env = v.NODE_ENV;
    this.role = v.ROLE;
    this.logLevel = v.LOG_LEVEL;
    this.logFormat = v.LOG_FORMAT;
    this.rateLimit = {
      perKeyPerMinute: v.API_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: v.API_AUTH_FAILURES_PER_MINUTE,
    };
    this.http = { port: v.PORT, host: v.HOST, publicUrl: v.PUBLIC_URL };
    this.database = { url: v.DATABASE_URL, poolSize: v.DATABASE_POOL_SIZE, readUrl: v.DATABASE_READ_URL };
    this.redis = { url: v.REDIS_URL, prefix: v.QUEUE_PREFIX };
    this.auth = { adminApiKey: v.ADMIN_API_KEY };
    this.socketlabs = {
      apiKey: v.SOCKETLABS_API_KEY,
      apiUrl: v.SOCKETLABS_API_URL.replace(/\/+$/, ''),
      injectUrl: v.SOCKETLABS_INJECT_URL.replace(/\/+$/, ''),
      serverId: v.SOCKETLABS_SERVER_ID,
      timeoutMs: v.SOCKETLABS_TIMEOUT_MS,
      maxRetries: v.SOCKETLABS_MAX_RETRIES,
    };
    this.webhook = {
      secretKey: v.WEBHOOK_SECRET_KEY,
      validationKey: v.WEBHOOK_VALIDATION_KEY,
      serverId: v.WEBHOOK_SERVER_ID,
      bodyLimit: v.WEBHOOK_BODY_LIMIT,
    };
    this.worker = {
      concurrency: v.WORKER_CONCURRENCY,
      threadNice: v.WORKER_THREAD_NICE,
      sweeperDelaySeconds: v.SWEEPER_DELAY_SECONDS,
      stopTimeoutSeconds: v.STOP_TIMEOUT_SECONDS,
    };
    this.metrics = { token: v.METRICS_TOKEN, port: v.METRICS_PORT };
    this.storage = { eventRetentionDays: v.EVENT_RETENTION_DAYS, auditRetentionDays: v.AUDIT_RETENTION_DAYS };
    this.privacy = { fingerprintSecret: v.ERASURE_SECRET };
  }

  /** Reads `.env` (if present) under the real environment, validates, and throws one error listing every problem. */
  static fromEnvironment(overrides: Record<string, string | undefined> = {}): AppConfig {
    return new AppConfig(validateEnvironment({ ...process.env, ...overrides }));
  }
}
