import { findKey, keysNamed, valueNamed, valuesNamed } from './case-insensitive';

describe('case-insensitive lookup', () => {
  const record = { ServerID: 1, serverId: '2', Other: 3, __proto__x: 4 };

  it('finds every key of a name whatever its case, in order', () => {
    expect(keysNamed(record, 'serverid')).toEqual(['ServerID', 'serverId']);
    expect(valuesNamed(record, 'serverid')).toEqual([1, '2']);
    expect(keysNamed(record, 'missing')).toEqual([]);
  });

  it('finds the first one', () => {
    expect(findKey(record, 'serverid')).toBe('ServerID');
    expect(valueNamed(record, 'other')).toBe(3);
    expect(valueNamed(record, 'missing')).toBeUndefined();
  });

  it('takes the name lower-cased: a mixed-case name finds nothing', () => {
    expect(findKey(record, 'ServerId')).toBeUndefined();
  });
});
