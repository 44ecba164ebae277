import { EVENT_TYPES, FailureType, KnownEventType, TrackingType } from './entities/email-event.entity';

export const TRACKING_TYPES: readonly TrackingType[] = ['Click', 'Open', 'Unsubscribe'];
export const FAILURE_TYPES: readonly FailureType[] = ['Temporary', 'Permanent', 'Suppressed'];

/** The canonical spelling of a known event type (`delivered` -> `Delivered`), or undefined for an unknown one. */
export function canonicalEventType(value: unknown): KnownEventType | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return EVENT_TYPES.find((t) => t.toLowerCase() === lower);
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
