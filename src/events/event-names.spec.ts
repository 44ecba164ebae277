import { canonicalEventType, canonicalFailureType, canonicalTrackingType } from './event-names';

describe('canonical event names', () => {
  it('maps event types in any case and leaves unknown ones undefined', () => {
    expect(canonicalEventType('delivered')).toBe('Delivered');
    expect(canonicalEventType('COMPLAINT')).toBe('Complaint');
    expect(canonicalEventType(' Tracking ')).toBe('Tracking');
    expect(canonicalEventType('Validation')).toBeUndefined();
    expect(canonicalEventType('Bounce')).toBeUndefined();
    expect(canonicalEventType(3)).toBeUndefined();
  });

  it('maps tracking types by name or by SocketLabs code (0 Click, 1 Open, 2 Unsubscribe)', () => {
    expect(['click', 'OPEN', 'Unsubscribe', '0', '1', '2', 0, 2].map(canonicalTrackingType)).toEqual([
      'Click',
      'Open',
      'Unsubscribe',
      'Click',
      'Open',
      'Unsubscribe',
      'Click',
      'Unsubscribe',
    ]);
    expect(canonicalTrackingType('3')).toBeUndefined();
    expect(canonicalTrackingType('hover')).toBeUndefined();
    expect(canonicalTrackingType(undefined)).toBeUndefined();
  });

  it('maps failure types in any case', () => {
    expect(['temporary', 'PERMANENT', 'Suppressed'].map(canonicalFailureType)).toEqual([
      'Temporary',
      'Permanent',
      'Suppressed',
    ]);
    expect(canonicalFailureType('soft')).toBeUndefined();
  });
});
