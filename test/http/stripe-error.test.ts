import { describe, expect, it } from 'vitest';
import { ApiError, authenticationError, invalidRequest } from '../../src/http/stripe-error.js';

describe('ApiError', () => {
  it('is an answer: it carries its status, body and headers and no stack frames', () => {
    const error = new ApiError(
      403,
      { type: 'invalid_request_error', code: 'x', message: 'denied' },
      { a: 'b' },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('denied');
    expect(error.status).toBe(403);
    expect(error.headers).toEqual({ a: 'b' });
    expect(error.toJSON()).toEqual({
      error: { type: 'invalid_request_error', code: 'x', message: 'denied' },
    });
    expect(error.stack).not.toMatch(/\n\s+at /);
  });

  it('leaves the stack trace limit as it found it, so other errors keep their frames', () => {
    const before = Error.stackTraceLimit;
    invalidRequest('bad');
    authenticationError('who');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('fault').stack).toMatch(/\n\s+at /);
  });
});
