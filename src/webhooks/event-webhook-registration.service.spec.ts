import { AppConfig } from '../core/config/app-config';
import { AppException } from '../core/http/app.exception';
import { SocketLabsApiException, SocketLabsErrorCode } from '../socketlabs/socketlabs.errors';
import type { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { certainlyNotCreated, EventWebhookRegistrationService } from './event-webhook-registration.service';

const ID = '3f0c9a8e-2b1d-4c5e-9f7a-6b8c1d2e3f40';

function service(publicUrl?: string): EventWebhookRegistrationService {
  const config = { http: { port: 3000, host: '0.0.0.0', publicUrl } } as AppConfig;
  return new EventWebhookRegistrationService(config, {} as WebhookEndpointsService);
}

describe('EventWebhookRegistrationService.targetOf', () => {
  const s = service('https://gw.example.com');

  it.each([
    ['https://gw.example.com/webhooks/socketlabs', { kind: 'new' }],
    ['https://gw.example.com/webhooks/socketlabs/', { kind: 'new' }],
    ['https://GW.Example.com:443/webhooks/socketlabs', { kind: 'new' }],
    [`https://gw.example.com/webhooks/socketlabs/${ID}`, { kind: 'existing', endpointId: ID }],
    [`https://gw.example.com/webhooks/socketlabs/${ID.toUpperCase()}/`, { kind: 'existing', endpointId: ID }],
    ['https://other.example.com/webhooks/socketlabs', { kind: 'elsewhere' }],
    ['http://gw.example.com/webhooks/socketlabs', { kind: 'elsewhere' }],
    ['https://gw.example.com:8443/webhooks/socketlabs', { kind: 'elsewhere' }],
    ['https://gw.example.com/Webhooks/SocketLabs', { kind: 'elsewhere' }],
    ['https://gw.example.com/api/v1/webhooks/socketlabs', { kind: 'elsewhere' }],
  ])('%s -> %j', (url, expected) => {
    expect(s.targetOf(url)).toEqual(expected);
  });

  it.each([
    'https://gw.example.com/webhooks/socketlabs/not-a-uuid',
    `https://gw.example.com/webhooks/socketlabs/${ID}/extra`,
    'https://gw.example.com/webhooks/socketlabs?endpoint=1',
    'https://gw.example.com/webhooks/socketlabs#x',
    'https://gw.example.com/webhooks/socketlabsx',
    'https://user:pw@gw.example.com/webhooks/socketlabs',
  ])('refuses the receiver URL %s with RECEIVER_URL_INVALID', (url) => {
    expect(() => s.targetOf(url)).toThrow(AppException);
    try {
      s.targetOf(url);
    } catch (err) {
      expect((err as AppException).code).toBe('RECEIVER_URL_INVALID');
      expect((err as AppException).getStatus()).toBe(400);
    }
  });

  it('honours a path prefix in PUBLIC_URL and a trailing slash', () => {
    const prefixed = service('https://example.com/mail/');
    expect(prefixed.targetOf('https://example.com/mail/webhooks/socketlabs')).toEqual({ kind: 'new' });
    expect(prefixed.targetOf('https://example.com/webhooks/socketlabs')).toEqual({ kind: 'elsewhere' });
  });

  it('treats every URL as elsewhere when PUBLIC_URL is not set', () => {
    expect(service(undefined).targetOf('https://gw.example.com/webhooks/socketlabs')).toEqual({ kind: 'elsewhere' });
  });
});

describe('certainlyNotCreated', () => {
  const upstream = (status: number | undefined, code: SocketLabsErrorCode = SocketLabsErrorCode.UpstreamError) =>
    new SocketLabsApiException(502, code, 'x', {
      operation: 'subaccounts.createEventWebhook',
      attempts: 1,
      upstreamStatus: status,
    });

  it.each([
    ['a 400', upstream(400, SocketLabsErrorCode.BadRequest), true],
    ['a 409', upstream(409, SocketLabsErrorCode.Conflict), true],
    ['a 422', upstream(422, SocketLabsErrorCode.Unprocessable), true],
    ['a 429', upstream(429, SocketLabsErrorCode.RateLimited), true],
    ['a refused key', upstream(401, SocketLabsErrorCode.AuthFailed), true],
    ['a 503', upstream(503), true],
    ['no key configured', upstream(undefined, SocketLabsErrorCode.NotConfigured), true],
    ['a 500', upstream(500), false],
    ['a 502', upstream(502), false],
    ['a timeout', upstream(undefined, SocketLabsErrorCode.Timeout), false],
    ['a broken connection', upstream(undefined, SocketLabsErrorCode.Unreachable), false],
    ['an unreadable success', upstream(undefined, SocketLabsErrorCode.BadResponse), false],
  ])('%s -> %s', (_what, err, expected) => {
    expect(certainlyNotCreated(err)).toBe(expected);
  });
});
