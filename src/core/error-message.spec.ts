import { QueryFailedError } from 'typeorm';
import { errorMessage } from './error-message';

describe('errorMessage', () => {
  it("gives an Error's message, a driver error wrapped by TypeORM included", () => {
    expect(errorMessage(new TypeError('bad input'))).toBe('bad input');
    const wrapped = new QueryFailedError('SELECT 1', [], new Error('connection terminated'));
    expect(errorMessage(wrapped)).toBe('connection terminated');
  });

  it('gives the message of an object that carries one (an error from another realm)', () => {
    expect(errorMessage({ message: 'socket hang up', code: 'ECONNRESET' })).toBe('socket hang up');
  });

  it('gives anything else as text, never throwing', () => {
    expect(errorMessage('a thrown string')).toBe('a thrown string');
    expect(errorMessage(null)).toBe('null');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage({ message: 7 })).toBe('[object Object]');
  });
});
