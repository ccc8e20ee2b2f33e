import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/domain/oauth.js';
import { clientAuthentication, schemeOf } from '../../src/server/oauth-client-auth.js';
import { basic } from './oauth-support.js';

/** Reading the client's credentials (RFC 6749 §2.3) from the header and the form. */

const SK = 'sk_test_51abcDEF';
const APP = 'com.example.oauth-crm';

function refusal(run: () => unknown): OAuthError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('expected an OAuthError');
}

describe('clientAuthentication', () => {
  it.each([
    ['Basic sk_…: (curl -u)', basic(SK), {}, { clientId: undefined, secret: SK }, 'basic'],
    [
      'Basic sk_…: with client_id in the form',
      basic(SK),
      { client_id: APP },
      { clientId: APP, secret: SK },
      'basic',
    ],
    [
      'Basic client_id:sk_… (client_secret_basic)',
      basic(APP, SK),
      {},
      { clientId: APP, secret: SK },
      'basic',
    ],
    ['Basic client_id: (a public client)', basic(APP), {}, { clientId: APP, secret: undefined }, 'basic'],
    ['Bearer sk_…', `Bearer ${SK}`, { client_id: APP }, { clientId: APP, secret: SK }, 'bearer'],
    [
      'client_secret_post',
      undefined,
      { client_id: APP, client_secret: SK },
      { clientId: APP, secret: SK },
      undefined,
    ],
    ['client_id only (none)', undefined, { client_id: APP }, { clientId: APP, secret: undefined }, undefined],
    ['nothing', undefined, {}, { clientId: undefined, secret: undefined }, undefined],
    [
      'empty form values',
      undefined,
      { client_id: '', client_secret: '' },
      { clientId: undefined, secret: undefined },
      undefined,
    ],
  ] as const)('reads %s', (_what, header, form, client, scheme) => {
    expect(clientAuthentication(header, form)).toEqual({ client, scheme });
  });

  it('form-urldecodes the Basic user name and password (RFC 6749 §2.3.1)', () => {
    expect(clientAuthentication(basic('my app+1', 'p:w d'), {})).toEqual({
      client: { clientId: 'my app+1', secret: 'p:w d' },
      scheme: 'basic',
    });
    // a `+` in the encoded form is a space
    const raw = `Basic ${Buffer.from('a+b:c%2Bd').toString('base64')}`;
    expect(clientAuthentication(raw, {}).client).toEqual({ clientId: 'a b', secret: 'c+d' });
  });

  it('refuses two methods at once: a header and client_secret (invalid_request)', () => {
    for (const header of [basic(APP, SK), basic(SK), `Bearer ${SK}`]) {
      const error = refusal(() => clientAuthentication(header, { client_id: APP, client_secret: SK }));
      expect(error.error).toBe('invalid_request');
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/use one method only/);
    }
  });

  it('refuses a form client_id that contradicts the Basic user name (invalid_request)', () => {
    const error = refusal(() => clientAuthentication(basic(APP, SK), { client_id: 'com.example.other' }));
    expect(error.error).toBe('invalid_request');
    expect(error.message).toBe(
      '`client_id` `com.example.other` is not the client of the Basic credentials (`com.example.oauth-crm`)',
    );
  });

  it.each([
    ['Digest x', undefined, /scheme `digest` is not supported/],
    ['Basic !!!', 'basic', /not base64/],
    [`Basic ${Buffer.from('nocolon').toString('base64')}`, 'basic', /no `:`/],
    [`Basic ${Buffer.from(':secret').toString('base64')}`, 'basic', /no user name/],
    [`Basic ${Buffer.from(`${SK}:something`).toString('base64')}`, 'basic', /password must be empty/],
    [`Basic ${Buffer.from('a%ZZ:b').toString('base64')}`, 'basic', /percent-encoding/],
    ['Bearer ', 'bearer', /empty/],
    ['Bearer a b', 'bearer', /spaces/],
  ] as const)('refuses the header `%s` (invalid_client, 401)', (header, scheme, message) => {
    const error = refusal(() => clientAuthentication(header, {}));
    expect(error.error).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(message);
    expect(schemeOf(error)).toBe(scheme);
  });
});
