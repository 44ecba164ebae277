/**
 * SocketLabs' `SecretKey` field (docs/socketlabs-wire-format.md): never stored, never in the dedupe key, never shown.
 * Matched by name in any case (`SecretKey`, `secretKey`, `SECRETKEY`): the one rule, wherever a member is dropped.
 */
export function isSecretKeyName(key: string): boolean {
  return key.length === 9 && key.toLowerCase() === 'secretkey';
}
