import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsOptional, IsString, ValidateNested } from 'class-validator';
import { ApiValidationPipe, RefusedProperty, SocketLabsShaped } from './validation';

class InnerDto {
  @IsString()
  name: string;
}

class OwnDto {
  @IsString()
  name: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => InnerDto)
  inner?: InnerDto;

  @RefusedProperty('use POST /things/{id}/keys')
  keys?: never;
}

@SocketLabsShaped()
class MirroredDto {
  @IsString()
  name: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => InnerDto)
  inner?: InnerDto;
}

class MirroredChildDto extends MirroredDto {}

describe('ApiValidationPipe', () => {
  const pipe = new ApiValidationPipe();
  const run = (metatype: new () => object, value: unknown, type: 'body' | 'query' | 'param' = 'body') =>
    pipe.transform(value, { type, metatype });
  const messages = async (promise: Promise<unknown>): Promise<string[]> => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRequestException);
    return ((err as BadRequestException).getResponse() as { message: string[] }).message;
  };

  it('refuses unknown properties of our own DTOs, naming each with its path, in bodies and queries', async () => {
    expect(await messages(run(OwnDto, { name: 'a', nmae: 'b', inner: { name: 'c', extra: 1 } }))).toEqual([
      'nmae is not a known property (unknown properties are refused: see the API reference)',
      'inner.extra is not a known property (unknown properties are refused: see the API reference)',
    ]);
    expect(await messages(run(OwnDto, { name: 'a', pageSiz: '5' }, 'query'))).toEqual([
      expect.stringMatching(/^pageSiz is not a known property/),
    ]);
  });

  it('says what to do instead for a refused property', async () => {
    expect(await messages(run(OwnDto, { name: 'a', keys: ['k'] }))).toEqual([
      'keys is not a known property: use POST /things/{id}/keys',
    ]);
    await expect(run(OwnDto, { name: 'a' })).resolves.toEqual({ name: 'a' });
  });

  it('drops unknown properties of a SocketLabs-shaped DTO (and of its subclasses) without refusing them', async () => {
    const value = { name: 'a', extra: 1, inner: { name: 'b', extra: 2 } };
    for (const dto of [MirroredDto, MirroredChildDto]) {
      const result = await run(dto, value);
      expect(result).toBeInstanceOf(dto);
      expect(result).toEqual({ name: 'a', inner: { name: 'b' } });
    }
    // Its own rules still apply.
    expect(await messages(run(MirroredDto, { extra: 1 }))).toEqual(['name must be a string']);
  });
});
