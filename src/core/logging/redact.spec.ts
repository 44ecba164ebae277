import { REDACTED, redactUrl } from './redact';

describe('redactUrl', () => {
  it('redacts secret-looking query parameters', () => {
    expect(redactUrl('/api/v1/x?token=abc&page=2')).toBe(`/api/v1/x?token=${REDACTED}&page=2`);
  });

  it('never keeps the address of an erasure request', () => {
    expect(redactUrl('/api/v1/addresses/jane%40example.com')).toBe(`/api/v1/addresses/${REDACTED}`);
    expect(redactUrl('/api/v1/addresses/jane@example.com?x=1')).toBe(`/api/v1/addresses/${REDACTED}?x=1`);
    expect(redactUrl('/api/v1/suppressions/jane%40example.com')).toBe('/api/v1/suppressions/jane%40example.com');
  });
});
