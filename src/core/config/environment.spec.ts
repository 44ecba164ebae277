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
    expect(() => validateEnvironment({ PORT: 'eighty', ROLE: 'both', DATABASE_URL: 'mysql://x', ADMIN_API_KEY: 'short' })).toThrow(
      /PORT[\s\S]*ROLE[\s\S]*DATABASE_URL|ROLE[\s\S]*PORT/,
    );
    try {
      validateEnvironment({ PORT: 'eighty', ROLE: 'both', DATABASE_URL: 'mysql://x', ADMIN_API_KEY: 'short' });
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'ROLE', 'DATABASE_URL', 'ADMIN_API_KEY']) expect(message).toContain(`- ${name}:`);
    }
  });

  it('takes an optional read replica URL for the read API, refusing one that is not postgres://', () => {
    expect(new AppConfig(validateEnvironment({})).database.readUrl).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ DATABASE_READ_URL: '' })).database.readUrl).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ DATABASE_READ_URL: 'postgres://reader@replica:5432/gw' })).database.readUrl).toBe('postgres://reader@replica:5432/gw');
    expect(() => validateEnvironment({ DATABASE_READ_URL: 'mysql://x' })).toThrow(/- DATABASE_READ_URL: DATABASE_READ_URL must be a postgres:\/\/ URL/);
  });

  it('takes the share of the workers under load as a percent from 1 to 100, and the lag after which they no longer pause', () => {
    expect(new AppConfig(validateEnvironment({})).worker).toMatchObject({ shareUnderLoad: 10, maxLagSeconds: 15 });
    expect(new AppConfig(validateEnvironment({ WORKER_SHARE_UNDER_LOAD: '100', WORKER_MAX_LAG_SECONDS: '5' })).worker).toMatchObject({
      shareUnderLoad: 100,
      maxLagSeconds: 5,
    });
    expect(() => validateEnvironment({ WORKER_SHARE_UNDER_LOAD: '0' })).toThrow(/- WORKER_SHARE_UNDER_LOAD:/);
    expect(() => validateEnvironment({ WORKER_SHARE_UNDER_LOAD: '101' })).toThrow(/- WORKER_SHARE_UNDER_LOAD:/);
    expect(() => validateEnvironment({ WORKER_MAX_LAG_SECONDS: 'soon' })).toThrow(/- WORKER_MAX_LAG_SECONDS:/);
  });

  it('refuses the placeholder secrets of .env.example in production only', () => {
    const env = { ADMIN_API_KEY: 'change-me-admin-key-0000', WEBHOOK_SECRET_KEY: 'change-me-webhook-secret' };
    expect(() => validateEnvironment({ ...env, NODE_ENV: 'development' })).not.toThrow();
    expect(() => validateEnvironment({ ...env, NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY: still the placeholder[\s\S]*WEBHOOK_SECRET_KEY/);
  });

  it('takes an optional METRICS_TOKEN (16 characters at least) and METRICS_PORT, neither set by default', () => {
    expect(new AppConfig(validateEnvironment({})).metrics).toEqual({ token: undefined, port: undefined });
    expect(new AppConfig(validateEnvironment({ METRICS_TOKEN: '', METRICS_PORT: '' })).metrics).toEqual({ token: undefined, port: undefined });
    expect(new AppConfig(validateEnvironment({ METRICS_TOKEN: 'scrape-token-0123456789', METRICS_PORT: '9464' })).metrics).toEqual({
      token: 'scrape-token-0123456789',
      port: 9464,
    });
    expect(() => validateEnvironment({ METRICS_TOKEN: 'short' })).toThrow(/- METRICS_TOKEN: METRICS_TOKEN must be at least 16 characters/);
    expect(() => validateEnvironment({ METRICS_PORT: '0' })).toThrow(/- METRICS_PORT:/);
    expect(() => validateEnvironment({ METRICS_PORT: '65536' })).toThrow(/- METRICS_PORT:/);
    expect(() => validateEnvironment({ METRICS_TOKEN: 'change-me-metrics-token', NODE_ENV: 'production' })).toThrow(/METRICS_TOKEN: still the placeholder/);
  });
});
