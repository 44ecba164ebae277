import { buildQueryString, unwrapData, unwrapList } from './socketlabs.client';

describe('buildQueryString', () => {
  it('writes paging, sorting and filters as SocketLabs documents them', () => {
    expect(
      buildQueryString({
        pageNumber: 0,
        pageSize: 5,
        sortField: 'IpAddress',
        sortDirection: 'asc',
        filters: 'IpAddress=like:10.28.100',
      }),
    ).toBe('?pageNumber=0&pageSize=5&sortField=IpAddress&sortDirection=asc&filters=IpAddress=like:10.28.100');
  });

  it('sends desc as dsc, repeats arrays, leaves out empty values and encodes the rest', () => {
    expect(
      buildQueryString({
        sortDirection: 'desc',
        filters: ['a=eq:1', 'b=like:x y&z'],
        x: undefined,
        y: null,
        z: '',
        w: [],
      }),
    ).toBe('?sortDirection=dsc&filters=a=eq:1&filters=b=like:x%20y%26z');
    expect(buildQueryString(undefined)).toBe('');
    expect(buildQueryString({ type: 'Sent', domain: 'example.com', flag: true })).toBe(
      '?type=Sent&domain=example.com&flag=true',
    );
  });
});

describe('envelopes', () => {
  it('unwraps { data } and leaves other answers as they are', () => {
    expect(unwrapData({ data: { a: 1 } })).toEqual({ a: 1 });
    expect(unwrapData({ Data: 'k' })).toBe('k');
    expect(unwrapData({ data: null })).toBeNull();
    // An unwrapped event that has a `Data` field among others is not an envelope.
    expect(unwrapData({ Type: 'Delivered', Data: { Tags: [] } })).toEqual({ Type: 'Delivered', Data: { Tags: [] } });
    expect(unwrapData(undefined)).toBeUndefined();
  });

  it('unwraps lists, with or without total', () => {
    expect(unwrapList({ data: [1, 2], total: 10 })).toEqual({ data: [1, 2], total: 10 });
    expect(unwrapList({ data: [1, 2] })).toEqual({ data: [1, 2], total: 2 });
    expect(unwrapList([1])).toEqual({ data: [1], total: 1 });
    expect(unwrapList({ data: { a: 1 } })).toBeNull();
  });
});
