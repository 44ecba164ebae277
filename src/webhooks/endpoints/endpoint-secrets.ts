import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EndpointSecret } from '../entities/webhook-endpoint.entity';

export const MAX_SECRETS_PER_ENDPOINT = 5;

export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** A new random secret key for an endpoint (192 bits, URL-safe). */
export function generateSecretKey(): string {
  return randomBytes(24).toString('base64url');
}

/** The stored form of a secret: its SHA-256 and its last four characters, never the secret itself. */
export function toEndpointSecret(secret: string, now = new Date()): EndpointSecret {
  return {
    id: randomUUID(),
    hash: secretDigest(secret).toString('hex'),
    hint: secret.slice(-4),
    createdAt: now.toISOString(),
  };
}

/**
 * Whether `given` is one of the active secrets, compared as SHA-256 digests in constant time. Every secret is
 * compared (no early exit), so the time does not tell which one matched or how many there are to try.
 */
export function matchesAnySecret(given: string, digests: readonly Buffer[]): boolean {
  const digest = secretDigest(given);
  let match = false;
  for (const d of digests) {
    if (d.length === digest.length && timingSafeEqual(d, digest)) match = true;
  }
  return match;
}
