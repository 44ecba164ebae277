import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { AppException } from '../core/http/app.exception';

const MAX_BIGINT = 9223372036854775807n;

/**
 * A bigint row id from the path, kept as a string (JavaScript numbers lose precision past 2^53). Anything
 * else is a 400 naming the parameter, rather than a PostgreSQL cast error turned into a 500.
 */
@Injectable()
export class ParseBigIntIdPipe implements PipeTransform<string, string> {
  constructor(private readonly name = 'id') {}

  transform(value: string): string {
    if (typeof value !== 'string' || !/^[0-9]{1,19}$/.test(value) || BigInt(value) < 1n || BigInt(value) > MAX_BIGINT) {
      throw new AppException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `${this.name} must be a positive integer`);
    }
    return BigInt(value).toString();
  }
}
