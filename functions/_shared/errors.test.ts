import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ForbiddenError,
  InvalidInputError,
  RecsError,
  ThrottledError,
  UnauthorizedError,
} from './errors.js';

describe('errors', () => {
  // A Lambda error's name is what the state machine's Retry ErrorEquals and the log alarms match, not the class.
  it.each([
    ['RecsError', RecsError],
    ['InvalidInputError', InvalidInputError],
    ['ThrottledError', ThrottledError],
    ['ConfigError', ConfigError],
    ['UnauthorizedError', UnauthorizedError],
    ['ForbiddenError', ForbiddenError],
  ])('%s carries that name, which Retry and the logs match on', (name, ErrorClass) => {
    const error = new ErrorClass('what went wrong');

    expect(error.name).toBe(name);
    expect(String(error)).toBe(`${name}: what went wrong`);
    expect(error).toBeInstanceOf(RecsError);
  });

  it('keeps the field at fault and the cause of invalid input', () => {
    const cause = new Error('zod said no');

    const error = new InvalidInputError('limit must be 1 to 10', 'limit', { cause });

    expect(error).toMatchObject({ field: 'limit', cause, message: 'limit must be 1 to 10' });
  });
});
