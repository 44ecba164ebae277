import { AppConfig } from './app-config';
import { validateEnvironment } from './environment';

describe('environment validation', () => {
  it('gives working defaults for a local run', () => {
    const config = new AppConfig(validateEnvironment({}));
    expect(config.role).toBe('all');
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/socketlabs_gateway');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: '{slgw}' });
    expect(config.socketlabs.apiUrl).toBe('https://api.socketlabs.com');
    expect(config.webhook.bodyLimit).toBe(1024 * 1024);
  });

  it('converts numbers and trims trailing slashes from URLs', () => {
    const config = new AppConfig(
      validateEnvironment({ PORT: '8080', WEBHOOK_SERVER_ID: '12345', SOCKETLABS_API_URL: 'http://127.0.0.1:9999/' }),
    );
    expect(config.http.port).toBe(8080);
    expect(config.webhook.serverId).toBe(12345);
    expect(config.socketlabs.apiUrl).toBe('http://127.0.0.1:9999');
  });

  it('lists every bad value in one error', () => {
    expect(() =>
      validateEnvironment({ PORT: 'eighty', ROLE: 'both', DATABASE_URL: 'mysql://x', ADMIN_API_KEY: 'short' }),
    ).toThrow(/PORT[\s\S]*ROLE[\s\S]*DATABASE_URL|ROLE[\s\S]*PORT/);
    try {
      validateEnvironment({ PORT: 'eighty', ROLE: 'both', DATABASE_URL: 'mysql://x', ADMIN_API_KEY: 'short' });
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'ROLE', 'DATABASE_URL', 'ADMIN_API_KEY']) expect(message).toContain(`- ${name}:`);
    }
  });

  it('keeps events for ever unless EVENT_RETENTION_DAYS is set, and never for less than 7 days', () => {
    expect(new AppConfig(validateEnvironment({})).storage.eventRetentionDays).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ EVENT_RETENTION_DAYS: '90' })).storage.eventRetentionDays).toBe(90);
    expect(new AppConfig(validateEnvironment({ EVENT_RETENTION_DAYS: '7' })).storage.eventRetentionDays).toBe(7);
    expect(() => validateEnvironment({ EVENT_RETENTION_DAYS: '6' })).toThrow(/- EVENT_RETENTION_DAYS:/);
    expect(() => validateEnvironment({ EVENT_RETENTION_DAYS: 'a month' })).toThrow(/- EVENT_RETENTION_DAYS:/);
  });

  it('takes an optional read replica URL for the read API, refusing one that is not postgres://', () => {
    expect(new AppConfig(validateEnvironment({})).database.readUrl).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ DATABASE_READ_URL: '' })).database.readUrl).toBeUndefined();
    expect(
      new AppConfig(validateEnvironment({ DATABASE_READ_URL: 'postgres://reader@replica:5432/gw' })).database.readUrl,
    ).toBe('postgres://reader@replica:5432/gw');
    expect(() => validateEnvironment({ DATABASE_READ_URL: 'mysql://x' })).toThrow(
      /- DATABASE_READ_URL: DATABASE_READ_URL must be a postgres:\/\/ URL/,
    );
  });

  it('takes an optional event retention of at least 7 days', () => {
    expect(new AppConfig(validateEnvironment({})).storage.eventRetentionDays).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ EVENT_RETENTION_DAYS: '90' })).storage.eventRetentionDays).toBe(90);
    expect(() => validateEnvironment({ EVENT_RETENTION_DAYS: '6' })).toThrow(/- EVENT_RETENTION_DAYS:/);
    expect(() => validateEnvironment({ EVENT_RETENTION_DAYS: 'forever' })).toThrow(/- EVENT_RETENTION_DAYS:/);
  });

  it('refuses the placeholder secrets of .env.example in production only', () => {
    const env = { ADMIN_API_KEY: 'change-me-admin-key-0000', WEBHOOK_SECRET_KEY: 'change-me-webhook-secret' };
    expect(() => validateEnvironment({ ...env, NODE_ENV: 'development' })).not.toThrow();
    expect(() => validateEnvironment({ ...env, NODE_ENV: 'production' })).toThrow(
      /ADMIN_API_KEY: still the placeholder[\s\S]*WEBHOOK_SECRET_KEY/,
    );
  });

  it('takes WORKER_THREAD_NICE from 0 to 19, 10 by default', () => {
    expect(new AppConfig(validateEnvironment({})).worker.threadNice).toBe(10);
    expect(new AppConfig(validateEnvironment({ WORKER_THREAD_NICE: '0' })).worker.threadNice).toBe(0);
    expect(new AppConfig(validateEnvironment({ WORKER_THREAD_NICE: '19' })).worker.threadNice).toBe(19);
    for (const bad of ['-5', '20', 'low'])
      expect(() => validateEnvironment({ WORKER_THREAD_NICE: bad })).toThrow(/- WORKER_THREAD_NICE:/);
  });

  it('takes an optional METRICS_TOKEN (16 characters at least) and METRICS_PORT, neither set by default', () => {
    expect(new AppConfig(validateEnvironment({})).metrics).toEqual({ token: undefined, port: undefined });
    expect(new AppConfig(validateEnvironment({ METRICS_TOKEN: '', METRICS_PORT: '' })).metrics).toEqual({
      token: undefined,
      port: undefined,
    });
    expect(
      new AppConfig(validateEnvironment({ METRICS_TOKEN: 'scrape-token-0123456789', METRICS_PORT: '9464' })).metrics,
    ).toEqual({
      token: 'scrape-token-0123456789',
      port: 9464,
    });
    expect(() => validateEnvironment({ METRICS_TOKEN: 'short' })).toThrow(
      /- METRICS_TOKEN: METRICS_TOKEN must be at least 16 characters/,
    );
    expect(() => validateEnvironment({ METRICS_PORT: '0' })).toThrow(/- METRICS_PORT:/);
    expect(() => validateEnvironment({ METRICS_PORT: '65536' })).toThrow(/- METRICS_PORT:/);
    expect(() => validateEnvironment({ METRICS_TOKEN: 'change-me-metrics-token', NODE_ENV: 'production' })).toThrow(
      /METRICS_TOKEN: still the placeholder/,
    );
  });

  it('takes an optional AUDIT_RETENTION_DAYS (1 or more) and ERASURE_SECRET (16 characters at least, no placeholder in production)', () => {
    const none = new AppConfig(validateEnvironment({}));
    expect(none.storage.auditRetentionDays).toBeUndefined();
    expect(none.privacy.fingerprintSecret).toBeUndefined();
    const set = new AppConfig(
      validateEnvironment({ AUDIT_RETENTION_DAYS: '400', ERASURE_SECRET: 'a-long-fingerprint-secret' }),
    );
    expect(set.storage.auditRetentionDays).toBe(400);
    expect(set.privacy.fingerprintSecret).toBe('a-long-fingerprint-secret');
    expect(() => validateEnvironment({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/- AUDIT_RETENTION_DAYS:/);
    expect(() => validateEnvironment({ ERASURE_SECRET: 'short' })).toThrow(
      /- ERASURE_SECRET: ERASURE_SECRET must be at least 16 characters/,
    );
    expect(() => validateEnvironment({ ERASURE_SECRET: 'change-me-erasure-secret', NODE_ENV: 'production' })).toThrow(
      /ERASURE_SECRET: still the placeholder/,
    );
  });
});
