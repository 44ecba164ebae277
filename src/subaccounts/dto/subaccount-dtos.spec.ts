import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateTrackingDomainDto } from '../../tracking/dto/tracking-domain.dto';
import { SubaccountDomainParamsDto, SubaccountIdParamDto } from './subaccount-params.dto';
import { CreateSubaccountDto, UpdateSubaccountDto } from './subaccount.dto';

/** Validates as the global ValidationPipe does (transform, whitelist). */
function check<T extends object>(cls: new () => T, plain: object): { value: T; errors: string[] } {
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, { whitelist: true }).flatMap((e) => Object.values(e.constraints ?? {}));
  return { value, errors };
}

describe('CreateSubaccountDto', () => {
  it.each([
    [{ name: 'a', useRuleEngine: true }],
    [{ name: 'a', useRuleEngine: 'TRUE' }],
    [{ name: 'a', ipPoolId: 4 }],
    [{ name: 'a', ipPoolID: 4 }],
    [{ name: 'a', ipPoolId: 4, useRuleEngine: false }],
  ])('accepts %j', (plain) => {
    expect(check(CreateSubaccountDto, plain).errors).toEqual([]);
  });

  it.each([
    [{ name: 'a' }, 'exactly one'],
    [{ name: 'a', useRuleEngine: false }, 'exactly one'],
    [{ name: 'a', ipPoolId: null, useRuleEngine: null }, 'exactly one'],
    [{ name: 'a', ipPoolId: 4, useRuleEngine: true }, 'exactly one'],
    [{ name: 'a', useRuleEngine: 'yes' }, 'useRuleEngine must be a boolean'],
    [{ name: 'a', ipPoolId: '4' }, 'ipPoolId must be an integer'],
  ])('refuses %j', (plain, message) => {
    expect(check(CreateSubaccountDto, plain).errors.join('; ')).toContain(message);
  });

  it('reads ipPoolID as ipPoolId', () => {
    expect(check(CreateSubaccountDto, { name: 'a', ipPoolID: 9 }).value.ipPoolId).toBe(9);
  });
});

describe('UpdateSubaccountDto', () => {
  it('needs at least one field and refuses a pool together with the rule engine', () => {
    expect(check(UpdateSubaccountDto, {}).errors.join()).toContain('at least one');
    expect(check(UpdateSubaccountDto, { ipPoolId: 1, useRuleEngine: true }).errors.join()).toContain('cannot both');
    expect(check(UpdateSubaccountDto, { name: 'b' }).errors).toEqual([]);
    expect(check(UpdateSubaccountDto, { useRuleEngine: true }).errors).toEqual([]);
  });
});

describe('path parameters', () => {
  it.each(['1', '12345', '2147483647'])('accepts subaccountId %s as a number', (id) => {
    const { value, errors } = check(SubaccountIdParamDto, { subaccountId: id });
    expect(errors).toEqual([]);
    expect(value.subaccountId).toBe(Number(id));
  });

  it.each(['0', '-1', '01', ' 1', '1.0', '1e3', '0x10', 'abc', '2147483648', ''])(
    'refuses subaccountId "%s" with one message',
    (id) => {
      expect(check(SubaccountIdParamDto, { subaccountId: id }).errors).toEqual([
        'subaccountId must be a positive integer',
      ]);
    },
  );

  it.each(['example.com', 'mail.example.co.uk', 'xn--bcher-kva.example'])('accepts the domain %s', (domain) => {
    expect(check(SubaccountDomainParamsDto, { subaccountId: '1', domain }).errors).toEqual([]);
  });

  it.each([
    'localhost',
    'example',
    '-a.example.com',
    'a_b.example.com',
    'example.com.',
    'exa/mple.com',
    '1.2.3.4',
    `${'a'.repeat(64)}.com`,
  ])('refuses the domain %s', (domain) => {
    expect(check(SubaccountDomainParamsDto, { subaccountId: '1', domain }).errors.join()).toContain('domain');
  });
});

describe('CreateTrackingDomainDto', () => {
  it('turns "true"/"false" strings into booleans and leaves absent switches absent', () => {
    const { value, errors } = check(CreateTrackingDomainDto, {
      domain: 't.example.com',
      opensEnabled: 'false',
      clicksEnabled: ' True ',
    });
    expect(errors).toEqual([]);
    expect(value.opensEnabled).toBe(false);
    expect(value.clicksEnabled).toBe(true);
    expect(value.isDefault).toBeUndefined();
  });

  it('refuses other strings and numbers', () => {
    expect(
      check(CreateTrackingDomainDto, { domain: 't.example.com', opensEnabled: 'yes', isDefault: 0 }).errors,
    ).toHaveLength(2);
  });
});
