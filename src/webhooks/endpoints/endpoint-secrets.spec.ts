import { authenticate } from '../receiver/webhook-receiver.service';
import { generateSecretKey, matchesAnySecret, secretDigest, toEndpointSecret } from './endpoint-secrets';
import { ResolvedEndpoint } from './endpoint.resolver';

describe('endpoint secrets', () => {
  it('stores only a hash and a four-character hint', () => {
    const s = toEndpointSecret('n7BJk25EtAr39Sfa4K8R');
    expect(s.hash).toBe(secretDigest('n7BJk25EtAr39Sfa4K8R').toString('hex'));
    expect(s.hash).not.toContain('n7BJk25EtAr39Sfa4K8R');
    expect(s.hint).toBe('4K8R');
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('generates distinct URL-safe secrets', () => {
    const a = generateSecretKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateSecretKey()).not.toBe(a);
  });

  it('matches any of the active secrets, exactly', () => {
    const digests = [secretDigest('old-secret-1'), secretDigest('new-secret-2')];
    expect(matchesAnySecret('old-secret-1', digests)).toBe(true);
    expect(matchesAnySecret('new-secret-2', digests)).toBe(true);
    expect(matchesAnySecret('new-secret-', digests)).toBe(false);
    expect(matchesAnySecret('NEW-SECRET-2', digests)).toBe(false);
    expect(matchesAnySecret('', digests)).toBe(false);
    expect(matchesAnySecret('old-secret-1', [])).toBe(false);
  });
});

describe('authenticate (one event against one endpoint)', () => {
  const endpoint: ResolvedEndpoint = {
    id: '00000000-0000-4000-8000-000000000001',
    enabled: true,
    secretDigests: [secretDigest('right-secret')],
    validationKey: null,
    expectedServerId: 16332,
    expectedSubaccountId: 77,
  };

  it.each([
    [{ SecretKey: 'right-secret', ServerId: 16332, SubaccountId: 77 }, null],
    [{ secretKey: 'right-secret', ServerID: '16332' }, null],
    [{ SECRETKEY: 'right-secret', SubaccountId: null }, null],
    [{ SecretKey: 'right-secret', SubaccountID: '' }, null],
    [{ ServerId: 16332 }, 'missing_secret'],
    [{ SecretKey: '' }, 'missing_secret'],
    [{ SecretKey: 'wrong' }, 'wrong_secret'],
    [{ SecretKey: 42 }, 'wrong_secret'],
    [{ SecretKey: ['right-secret', 'wrong'] }, 'wrong_secret'],
    [{ SecretKey: 'right-secret', secretkey: 'wrong' }, 'wrong_secret'],
    [{ SecretKey: 'right-secret', ServerId: 1 }, 'server_id_mismatch'],
    [{ SecretKey: 'right-secret', ServerId: 16332, serverid: 1 }, 'server_id_mismatch'],
    [{ SecretKey: 'right-secret', SubaccountId: 78 }, 'subaccount_id_mismatch'],
  ])('%j -> %s', (event, expected) => {
    expect(authenticate(event, endpoint)).toBe(expected);
  });

  it('does not check ids the endpoint does not expect', () => {
    expect(
      authenticate(
        { SecretKey: 'right-secret', ServerId: 1, SubaccountId: 2 },
        { ...endpoint, expectedServerId: null, expectedSubaccountId: null },
      ),
    ).toBeNull();
  });
});
