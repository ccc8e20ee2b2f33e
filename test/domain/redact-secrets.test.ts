import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecrets, SECRET_FIELDS } from '../../src/domain/redact-secrets.js';
import { generateSecret, maskKey } from '../../src/domain/secrets.js';

describe('redactSecrets', () => {
  it('replaces a created key’s secret with null and marks it, at any depth, leaving the rest alone', () => {
    const rk = generateSecret('rk', 'test');
    const sk = generateSecret('sk', 'live');
    const body = {
      id: 'appinst_1',
      object: 'apps.install',
      permissions_granted: ['customer_read'],
      key: { id: 'key_1', object: 'api_key', secret: rk, redacted: maskKey(rk), expires_at: null },
      others: [{ id: 'key_2', secret: sk }],
    };
    const before = structuredClone(body);
    expect(redactSecrets(body)).toEqual({
      id: 'appinst_1',
      object: 'apps.install',
      permissions_granted: ['customer_read'],
      key: {
        id: 'key_1',
        object: 'api_key',
        secret: null,
        secret_redacted: true,
        redacted: maskKey(rk),
        expires_at: null,
      },
      others: [{ id: 'key_2', secret: null, secret_redacted: true }],
    });
    expect(body).toEqual(before); // the input is not changed
  });

  it('redacts every secret field name, and leaves a field that holds no secret as it is', () => {
    expect(SECRET_FIELDS).toEqual(['secret', 'password']);
    expect(redactSecrets({ password: 'correct horse battery staple' })).toEqual({
      password: null,
      password_redacted: true,
    });
    expect(redactSecrets({ secret: null, password: undefined })).toEqual({ secret: null });
    expect(redactSecrets({ secret: null, name: 'x' })).toEqual({ secret: null, name: 'x' });
  });

  it('masks a key secret found under any other name or inside a longer string', () => {
    const rk = generateSecret('rk', 'live');
    const redacted = redactSecrets({
      error: { message: `Invalid integer: ${rk}`, param: 'expires_at' },
      note: [`key=${rk};`],
    });
    expect(JSON.stringify(redacted)).not.toContain(rk.slice(8, -4));
    expect(redacted).toEqual({
      error: { message: `Invalid integer: ${maskKey(rk)}`, param: 'expires_at' },
      note: [`key=${maskKey(rk)};`],
    });
  });

  it('never lets a generated secret through, wherever it is put in a JSON value (property)', () => {
    const secrets = fc
      .tuple(fc.constantFrom('sk', 'rk'), fc.constantFrom('test', 'live'))
      .map(([t, m]) => generateSecret(t as 'sk' | 'rk', m as 'test' | 'live'));
    fc.assert(
      fc.property(fc.jsonValue(), secrets, fc.string(), fc.nat(), (json, secret, name, at) => {
        // put the secret in a string somewhere in a random JSON value, under a random name
        const wrapped = { [name]: [json, `${'x'.repeat(at % 5)}${secret}`] };
        const text = JSON.stringify(redactSecrets(wrapped));
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(-16));
      }),
      { numRuns: 300, seed: 20260311 },
    );
  });

  it('keeps an own `__proto__` key as data', () => {
    const parsed = JSON.parse('{"__proto__": {"secret": "x"}, "a": 1}') as unknown;
    const out = redactSecrets(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({
      secret: null,
      secret_redacted: true,
    });
  });
});
