import { Logger } from '@nestjs/common';
import { ParameterFreeTypeOrmLogger } from './typeorm-logger';

describe('ParameterFreeTypeOrmLogger', () => {
  it('logs a failing query without its parameters', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((m: unknown) => void lines.push(String(m)));
    try {
      new ParameterFreeTypeOrmLogger().logQueryError(new Error('duplicate key'), 'INSERT INTO t (a) VALUES ($1)', [
        'alice@example.com',
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('duplicate key');
    expect(lines[0]).toContain('INSERT INTO t');
    expect(lines[0]).not.toContain('alice@example.com');
  });
});
