import { createHmac } from 'node:crypto';

/**
 * An address as the service keys it everywhere (the `address` columns of events, messages and suppressions): trimmed
 * and lower-cased, as the normalizer reads SocketLabs' `Address`.
 */
export function storedAddress(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The fingerprint of an address: HMAC-SHA256 of its stored form under ERASURE_SECRET. What erasure leaves instead of
 * the address (the audit log, the suppressions it keeps): it tells whether a given address is the one, never which
 * address it is, and without the secret (which is not in the database) a guess cannot even be tested.
 */
export function addressFingerprint(secret: string, address: string): Buffer {
  return createHmac('sha256', secret).update(storedAddress(address), 'utf8').digest();
}
