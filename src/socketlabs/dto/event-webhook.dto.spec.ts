import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  CreateEventWebhookDto,
  TestEventWebhookQueryDto,
  toSecretKeyResponse,
  toSocketLabsEventWebhookBody,
} from './event-webhook.dto';

describe('event webhook DTOs', () => {
  const errors = (cls: new () => object, plain: object) =>
    validateSync(plainToInstance(cls, plain)).map((e) => e.property);

  it('accepts a documented body and normalises event type casing', () => {
    const dto = plainToInstance(CreateEventWebhookDto, {
      url: 'https://x.example.com/hook',
      eventTypes: ['sent', 'FAILED'],
    });
    expect(validateSync(dto)).toHaveLength(0);
    expect(dto.eventTypes).toEqual(['Sent', 'Failed']);
  });

  it('refuses http URLs, unknown event types and a short secret key', () => {
    expect(errors(CreateEventWebhookDto, { url: 'http://x.example.com/hook' })).toEqual(['url']);
    expect(errors(CreateEventWebhookDto, { url: 'https://x.example.com', eventTypes: ['Bounced'] })).toEqual([
      'eventTypes',
    ]);
    expect(errors(CreateEventWebhookDto, { url: 'https://x.example.com', secretKey: 'short' })).toEqual(['secretKey']);
    expect(errors(TestEventWebhookQueryDto, { type: 'Bounce' })).toEqual(['type']);
    expect(errors(TestEventWebhookQueryDto, { type: 'open' })).toEqual([]);
  });

  it('sends only the given fields', () => {
    expect(toSocketLabsEventWebhookBody({ url: 'https://a', enabled: false })).toEqual({
      url: 'https://a',
      enabled: false,
    });
  });

  it('reads the undocumented generate-secret-key answer in either shape', () => {
    expect(toSecretKeyResponse('abc')).toEqual({ secretKey: 'abc' });
    expect(toSecretKeyResponse({ secretKey: 'abc' })).toEqual({ secretKey: 'abc' });
    expect(toSecretKeyResponse({ key: 'abc' })).toEqual({ key: 'abc', secretKey: 'abc' });
  });
});
