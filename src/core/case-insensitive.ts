/**
 * Looking up members by name regardless of case: SocketLabs spells one field `ServerId`, `ServerID` or `serverId`
 * depending on the API and its age (docs/socketlabs-wire-format.md 1.4). The one way this service does it.
 */

/** The keys of `record` equal to `lowerName` ignoring case, in their order. */
export function keysNamed(record: object, lowerName: string): string[] {
  const out: string[] = [];
  for (const key of Object.keys(record)) if (key.toLowerCase() === lowerName) out.push(key);
  return out;
}

/** The first key of `record` equal to `lowerName` ignoring case. */
export function findKey(record: object, lowerName: string): string | undefined {
  for (const key of Object.keys(record)) if (key.toLowerCase() === lowerName) return key;
  return undefined;
}

/** The value of the first member named `lowerName` in any case. */
export function valueNamed(record: object, lowerName: string): unknown {
  const key = findKey(record, lowerName);
  return key === undefined ? undefined : (record as Record<string, unknown>)[key];
}

/** Every value of the members named `lowerName` in any case (a body could carry both `SecretKey` and `secretKey`). */
export function valuesNamed(record: object, lowerName: string): unknown[] {
  return keysNamed(record, lowerName).map((k) => (record as Record<string, unknown>)[k]);
}
