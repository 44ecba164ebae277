import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ListEventsQueryDto } from './list-events-query.dto';
import { ReplayEventsDto } from './replay-events.dto';

function parse<T extends object>(cls: new () => T, plain: Record<string, unknown>): { value: T; errors: string[] } {
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, { whitelist: true }).map((e) => e.property);
  return { value, errors };
}

describe('ListEventsQueryDto', () => {
  it('has paging and sort defaults', () => {
    const { value, errors } = parse(ListEventsQueryDto, {});
    expect(errors).toEqual([]);
    expect(value).toMatchObject({ pageNumber: 0, pageSize: 50, sortDirection: 'desc', sortField: 'occurredAt' });
  });

  it('canonicalises tracking and failure types given in any case or as codes', () => {
    const { value, errors } = parse(ListEventsQueryDto, {
      trackingType: '2',
      failureType: 'permanent',
      serverId: '12',
    });
    expect(errors).toEqual([]);
    expect(value).toMatchObject({ trackingType: 'Unsubscribe', failureType: 'Permanent', serverId: 12 });
  });

  it('names each bad parameter', () => {
    const { errors } = parse(ListEventsQueryDto, {
      trackingType: 'hover',
      failureType: 'soft',
      state: 'done',
      from: '2025-02-30',
      to: 'x',
      sortField: 'subject',
      serverId: '-1',
      type: '',
    });
    expect(errors.sort()).toEqual([
      'failureType',
      'from',
      'serverId',
      'sortField',
      'state',
      'to',
      'trackingType',
      'type',
    ]);
  });
});

describe('ReplayEventsDto', () => {
  it('takes either state=failed or a list of ids', () => {
    expect(parse(ReplayEventsDto, { state: 'failed' }).errors).toEqual([]);
    expect(parse(ReplayEventsDto, { ids: [1, '2'] })).toMatchObject({ errors: [], value: { ids: ['1', '2'] } });
    expect(parse(ReplayEventsDto, {}).errors).toEqual(['state']);
    expect(parse(ReplayEventsDto, { ids: ['0'] }).errors).toEqual(['ids']);
  });
});
