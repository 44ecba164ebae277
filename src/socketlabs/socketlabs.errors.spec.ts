import { mapUpstreamStatus, parseUpstreamError, upstreamHttpError } from './socketlabs.errors';

describe('parseUpstreamError', () => {
  it('reads the v2 envelope', () => {
    const text = JSON.stringify({
      data: {
        error: [
          { errorType: 'Validation', message: 'name is required' },
          { errorType: 'Validation', message: 'x' },
        ],
      },
    });
    expect(parseUpstreamError(text, 'application/json').items).toEqual([
      { errorType: 'Validation', message: 'name is required' },
      { errorType: 'Validation', message: 'x' },
    ]);
  });

  it('reads the v1 array and other casings', () => {
    expect(parseUpstreamError('[{"Message":"Bad domain","ErrorType":"InvalidDomain"}]', null).items).toEqual([
      { errorType: 'InvalidDomain', message: 'Bad domain' },
    ]);
    expect(parseUpstreamError('{"Data":{"Error":[{"ErrorType":"T","Message":"M"}]}}', null).items).toEqual([
      { errorType: 'T', message: 'M' },
    ]);
    expect(parseUpstreamError('{"data":{"error":{"errorType":"T","message":"single"}}}', null).items).toEqual([
      { errorType: 'T', message: 'single' },
    ]);
  });

  it('reads ASP.NET problem details and plain messages', () => {
    expect(
      parseUpstreamError(
        '{"title":"One or more validation errors occurred.","errors":{"Name":["The Name field is required."]}}',
        null,
      ).items,
    ).toEqual([{ errorType: 'Name', message: 'The Name field is required.' }]);
    expect(parseUpstreamError('{"message":"Nope"}', null)).toEqual({ items: [], text: 'Nope' });
    expect(parseUpstreamError('{"ErrorCode":"InvalidData","MessageResults":null}', null)).toEqual({
      items: [],
      text: 'InvalidData',
    });
    expect(parseUpstreamError('"just a string"', null)).toEqual({ items: [], text: 'just a string' });
  });

  it('keeps plain text (truncated), drops HTML and empty bodies', () => {
    expect(parseUpstreamError('Something broke', 'text/plain')).toEqual({ items: [], text: 'Something broke' });
    expect(parseUpstreamError('x'.repeat(600), 'text/plain').text).toHaveLength(501);
    expect(parseUpstreamError('<html>502 Bad Gateway</html>', 'text/html')).toEqual({ items: [], text: '' });
    expect(parseUpstreamError('   ', null)).toEqual({ items: [], text: '' });
  });
});

describe('status mapping', () => {
  it.each([
    [400, 400],
    [401, 502],
    [403, 502],
    [404, 404],
    [409, 409],
    [422, 422],
    [429, 429],
    [405, 502],
    [500, 502],
    [502, 502],
    [503, 502],
    [504, 502],
  ])('upstream %i -> %i', (upstream, ours) => {
    expect(mapUpstreamStatus(upstream).status).toBe(ours);
  });

  it('never puts the key in a message, even when SocketLabs echoes it', () => {
    const key = 'SECRETKEY1234567890ab.cdef';
    const err = upstreamHttpError({
      operation: 'x.y',
      method: 'GET',
      path: '/v2/x',
      upstreamStatus: 400,
      contentType: 'application/json',
      attempts: 1,
      apiKey: key,
      bodyText: JSON.stringify({ data: { error: [{ errorType: 'E', message: `bad key ${key}` }] } }),
    });
    expect(JSON.stringify(err.getResponse())).not.toContain(key);
    expect(err.message).toBe('SocketLabs: bad key [redacted]');
  });
});
