import { HttpException } from '@nestjs/common';
import { ParseBigIntIdPipe } from './bigint-id.pipe';

describe('ParseBigIntIdPipe', () => {
  const pipe = new ParseBigIntIdPipe();

  it('accepts positive 64-bit integers and keeps them exact as strings', () => {
    expect(pipe.transform('1')).toBe('1');
    expect(pipe.transform('0042')).toBe('42');
    expect(pipe.transform('9223372036854775807')).toBe('9223372036854775807');
  });

  it.each(['', 'abc', '1.5', '-1', '0', '1e3', ' 1', '9223372036854775808', '99999999999999999999'])(
    'rejects %j with a 400 naming the parameter',
    (value) => {
      let error: unknown;
      try {
        pipe.transform(value);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(HttpException);
      expect((error as HttpException).getStatus()).toBe(400);
      expect(JSON.stringify((error as HttpException).getResponse())).toContain('id must be a positive integer');
    },
  );
});
