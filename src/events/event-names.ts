/**
 * The vocabulary of SocketLabs events: their types, the kinds of tracking and failure, and their canonical
 * spellings. Nothing here depends on how events are stored.
 */

export const EVENT_TYPES = ['Queued', 'Deferred', 'Delivered', 'Failed', 'Tracking', 'Complaint'] as const;
export type KnownEventType = (typeof EVENT_TYPES)[number];

export type FailureType = 'Temporary' | 'Permanent' | 'Suppressed';
export type TrackingType = 'Click' | 'Open' | 'Unsubscribe';
/** SocketLabs' numbering: 0, 1, 2. */
export const TRACKING_TYPES: readonly TrackingType[] = ['Click', 'Open', 'Unsubscribe'];
export const FAILURE_TYPES: readonly FailureType[] = ['Temporary', 'Permanent', 'Suppressed'];

export type BodyFormat = 'json' | 'form';

export interface MetaEntry {
  key: string;
  value: string | null;
}

/** The canonical spelling of a known event type (`delivered` -> `Delivered`), or undefined for an unknown one. */
export function canonicalEventType(value: unknown): KnownEventType | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return EVENT_TYPES.find((t) => t.toLowerCase() === lower);
}

/**
 * The `type` stored and answered for a `Type` as sent: the canonical spelling of a known type, an unknown one
 * trimmed and lower-cased (so that a filter matches it in any case through the index). The raw body keeps it as sent.
 */
export function storedEventType(value: string | null): string | null {
  if (value === null) return null;
  return canonicalEventType(value) ?? value.trim().toLowerCase();
}

/** `click`, `OPEN`, ... or SocketLabs' numeric codes (0 = Click, 1 = Open, 2 = Unsubscribe). */
export function canonicalTrackingType(value: unknown): TrackingType | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim().toLowerCase();
  if (/^[0-2]$/.test(s)) return TRACKING_TYPES[Number(s)];
  return TRACKING_TYPES.find((t) => t.toLowerCase() === s);
}

/** `temporary`, `PERMANENT`, `suppressed` in any case. */
export function canonicalFailureType(value: unknown): FailureType | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim().toLowerCase();
  return FAILURE_TYPES.find((t) => t.toLowerCase() === s);
}
