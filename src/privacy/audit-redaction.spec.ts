import { ERASED_TEXT, withoutAddress } from './audit-redaction';

describe('withoutAddress', () => {
  const address = 'ann+news@example.com';

  it('replaces the address in any case, and its percent-encoded form in any hex case, at any depth, keys included', () => {
    const entry = {
      target: 'Ann+News@Example.com',
      path: '/api/v1/suppressions/ann%2Bnews%40example.com',
      details: {
        to: [{ emailAddress: 'ANN+NEWS@EXAMPLE.COM', friendlyName: 'Ann' }],
        byAddress: { 'ann+news@example.com': 1 },
        n: 3,
      },
      error: 'SocketLabs refused ann%2bnews%40example.com',
    };
    expect(withoutAddress(entry, address)).toEqual({
      target: ERASED_TEXT,
      path: `/api/v1/suppressions/${ERASED_TEXT}`,
      details: { to: [{ emailAddress: ERASED_TEXT, friendlyName: 'Ann' }], byAddress: { [ERASED_TEXT]: 1 }, n: 3 },
      error: `SocketLabs refused ${ERASED_TEXT}`,
    });
  });

  it('leaves other addresses alone, and treats the address as text, not as a pattern', () => {
    expect(withoutAddress('annXnews@exampleXcom, bob@example.com', 'ann.news@example.com')).toBe(
      'annXnews@exampleXcom, bob@example.com',
    );
    expect(withoutAddress(null, address)).toBeNull();
  });
});
