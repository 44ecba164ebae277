import { hash } from 'node:crypto';
import { isSecretKeyName } from './secret-key';
import type { WebhookEvent } from './webhook-body.parser';

/**
 * SHA-256 (hex) of the canonical event without SecretKey. SocketLabs payloads carry no event id and a retry is
 * byte-for-byte the same event, so the content is the identity. Canonical: keys lower-cased and sorted at every
 * depth, scalars as strings (a JSON number and its form string agree), objects and arrays kept apart. The
 * endpoint is not part of it: the same event reaching two webhooks is one event.
 */
export function dedupeKey(event: WebhookEvent): string {
  // The SecretKey (top level, any case) is skipped while canonicalising rather than copied out first: this runs
  // once per event on the webhook path.
  return hash('sha256', canonicalText(event, isSecretKeyName));
}

/**
 * The canonical form as text, built directly (no intermediate tree: this is a tenth of the receiver's CPU
 * otherwise). Objects are `{"o":[[key,value],...]}` with keys lower-cased and sorted (keys that differ only in
 * case are all kept, their values breaking the tie), arrays `{"a":[...]}`, scalars JSON strings, absent values
 * `null`: so a JSON number and its form string agree, and objects and arrays stay apart. The text, and so every
 * stored key, must never change: a retry received after an upgrade would otherwise be stored twice.
 * `skipTopLevel` drops top-level keys (lower-cased).
 */
function canonicalText(value: unknown, skipTopLevel?: (lowerKey: string) => boolean): string {
  if (value === null || value === undefined) return 'null';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- not an object: a string, a number or a boolean
  if (typeof value !== 'object') return JSON.stringify(String(value));
  if (Array.isArray(value)) {
    let text = '{"a":[';
    for (let i = 0; i < value.length; i++) text += (i ? ',' : '') + canonicalText(value[i]);
    return text + ']}';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const entries: Entry[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i].toLowerCase();
    if (skipTopLevel === undefined || !skipTopLevel(key)) entries.push({ key, text: canonicalText(record[keys[i]]) });
  }
  entries.sort(byKeyThenText);
  let text = '{"o":[';
  for (let i = 0; i < entries.length; i++)
    text += (i ? ',[' : '[') + JSON.stringify(entries[i].key) + ',' + entries[i].text + ']';
  return text + ']}';
}

interface Entry {
  key: string;
  text: string;
}

function byKeyThenText(x: Entry, y: Entry): number {
  return x.key < y.key ? -1 : x.key > y.key ? 1 : x.text < y.text ? -1 : x.text > y.text ? 1 : 0;
}
