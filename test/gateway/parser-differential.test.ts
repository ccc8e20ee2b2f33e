import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBody } from '../../src/core/params/body.js';
import { ParamError, parseParams, serializeParams } from '../../src/core/params/params.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { resolveRequest } from '../../src/core/routes/resolve.js';
import { isAppscopeError } from '../../src/errors.js';
import {
  type BodyInput,
  bodyArbitrary,
  checkForwarded,
  checkFuzzCase,
  describeCase,
  expandValues,
  fuzzCaseArbitrary,
  grammarTextArbitrary,
  PropertyViolation,
  qsRead,
  rackRead,
  spelledArbitrary,
} from '../support/param-fuzz.js';
import { type GatewayWorld, startGateway } from './support.js';

/**
 * The parser-differential property (test/support/param-fuzz.ts): for every query string or body,
 * either the one parser refuses it, or the bytes forwarded — its canonical serialization — are
 * read by qs and by Rack as exactly the structure (and the `expand` values) the gateway decided
 * on. `npm run fuzz` runs the same property on a million cases; here a few thousand, then a
 * sample through the running gateway, whose refusals and forwarded bytes must be the parser's.
 */

const ISSUE_SPELLINGS = [
  '[expand][]=charge',
  '%5Bexpand%5D%5B%5D=charge',
  '[expand][0]=charge',
  '[expand]=charge',
  '[%65xpand][]=charge',
  '[expand][a]=charge',
  'expand%5B%5D=charge',
  'expand%5b0%5d=charge',
  ']expand[]=charge',
  '[[expand]]=charge',
  '+expand[]=charge',
  '.expand[]=charge',
  '_expand[]=charge',
] as const;

describe('the issue 11 bypass, as the property sees it', () => {
  it('qs and Rack read `[expand][]=charge` as expand=[charge]: the gateway must refuse it', () => {
    expect(qsRead('[expand][]=charge')).toEqual({ expand: ['charge'] });
    expect(expandValues(rackRead('[expand][]=charge'))).toEqual(['charge']);
    expect(() => parseParams('[expand][]=charge', 'query')).toThrow(
      expect.objectContaining({ code: 'parameter_invalid_name', param: '[expand][]' }),
    );
  });

  it('refuses every spelling from the issue, in the query and in a body', () => {
    for (const text of ISSUE_SPELLINGS) {
      for (const where of ['query', 'body'] as const) {
        let code: string | undefined;
        try {
          parseParams(text, where);
        } catch (error) {
          code = error instanceof ParamError ? error.code : 'not a ParamError';
        }
        expect(code, `${where} ${text}`).toBe('parameter_invalid_name');
      }
    }
  });

  it('would have caught the old gateway: deciding on no expand and forwarding the raw bytes', () => {
    // the old gateway's reading of `[expand][]=charge` had no `expand`; it forwarded the raw text
    const decided = Object.create(null);
    expect(() => checkForwarded('[expand][]=charge', decided, '[expand][]=charge')).toThrow(
      PropertyViolation,
    );
    expect(() => checkForwarded('[expand][]=charge', decided, '[expand][]=charge')).toThrow(
      /qs reads the forwarded text "\[expand\]\[\]=charge" differently: \$: keys \[\] ≠ \["expand"\]/,
    );
  });

  it('would catch a serializer that wrote lists of hashes with `[]` (qs merges the hashes)', () => {
    const decided = parseParams('a[0][b]=1&a[1][b]=2', 'query');
    expect(() => checkForwarded('x', decided, 'a[][b]=1&a[][b]=2')).toThrow(PropertyViolation);
  });
});

describe('parser-differential property (fixed seed)', () => {
  it('holds for 4,000 random and adversarial query strings and bodies', () => {
    const seen = { refused: 0, accepted: 0, grammar: 0, spelled: 0, body: 0, expandAccepted: 0 };
    const codes = new Set<string>();
    fc.assert(
      fc.property(fuzzCaseArbitrary, (c) => {
        seen[c.kind]++;
        let outcome: ReturnType<typeof checkFuzzCase>;
        try {
          outcome = checkFuzzCase(c);
        } catch (error) {
          throw new Error(`${(error as Error).message}\n  case: ${describeCase(c)}`);
        }
        if (outcome.kind === 'refused') {
          seen.refused++;
          codes.add(outcome.code);
        } else {
          seen.accepted++;
          if (expandValues(outcome.params).length > 0) seen.expandAccepted++;
        }
      }),
      { numRuns: 4000, seed: 20261204 },
    );
    // the generators reach both answers, every family, and most refusal codes
    expect(seen.refused).toBeGreaterThan(1000);
    expect(seen.accepted).toBeGreaterThan(1000);
    expect(seen.expandAccepted).toBeGreaterThan(100);
    expect(Math.min(seen.grammar, seen.spelled, seen.body)).toBeGreaterThan(500);
    for (const code of [
      'parameter_invalid_name',
      'parameter_unknown',
      'parameter_invalid_encoding',
      'parameter_duplicate',
      'parameter_mixed_types',
      'parameter_invalid_index',
      'content_type_unsupported',
      'body_invalid',
    ]) {
      expect(codes, code).toContain(code);
    }
  });
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

function send(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(body === undefined ? undefined : Buffer.from(body));
  });
}

/** What the one parser says about parameters, as the gateway would answer: a 400 code or the forwarded text. */
function expected(read: () => { text: string }): { refused: string } | { forwarded: string } {
  try {
    return { forwarded: read().text };
  } catch (error) {
    if (error instanceof ParamError) return { refused: error.code };
    throw error;
  }
}

/** Whether resolving the route refuses the request's `expand` (a 400 `parameter_invalid` after parsing). */
function invalidExpand(resolve: () => unknown): boolean {
  try {
    resolve();
    return false;
  } catch (error) {
    if (isAppscopeError(error, 'ERR_INVALID_EXPAND')) return true;
    throw error;
  }
}

describe('the gateway refuses what the parser refuses and forwards its serialization', () => {
  const table = defaultRouteTable();
  let w: GatewayWorld;
  let agent: http.Agent;
  let auth: Record<string, string>;

  beforeAll(async () => {
    w = await startGateway();
    agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    // an account's own key: no permission decision, so that only reading the parameters is tested
    auth = { authorization: `Bearer ${w.merchant.sk.test}` };
  });
  afterAll(async () => {
    agent.destroy();
    await w.close();
  });

  it('for 600 query strings on GET /v1/invoices/in_1', async () => {
    const texts = [
      ...fc.sample(grammarTextArbitrary, { numRuns: 400, seed: 11 }),
      ...fc.sample(spelledArbitrary, { numRuns: 200, seed: 12 }).map((input) => input.text),
      // what Node's HTTP parser refuses before the gateway is covered by the bypass corpus
    ].filter((text) => /^[\x21-\x7e]*$/.test(text) && !text.includes('#') && text.length < 8000);
    expect(texts.length).toBeGreaterThan(400);
    const tally = { refused: 0, forwarded: 0, invalidExpand: 0 };
    for (const text of texts) {
      const target = `/v1/invoices/in_1?${text}`;
      const want = expected(() => ({ text: serializeParams(parseParams(text, 'query')) }));
      const before = w.upstreamSeen.length;
      const answer = await send(agent, w.port, 'GET', target, auth);
      if ('refused' in want) {
        tally.refused++;
        expect([answer.status, JSON.parse(answer.body).error.code], target).toEqual([400, want.refused]);
        expect(w.upstreamSeen.length, target).toBe(before);
        continue;
      }
      if (invalidExpand(() => resolveRequest(table, { method: 'GET', path: target }))) {
        tally.invalidExpand++;
        expect([answer.status, JSON.parse(answer.body).error.code], target).toEqual([
          400,
          'parameter_invalid',
        ]);
        expect(w.upstreamSeen.length, target).toBe(before);
        continue;
      }
      tally.forwarded++;
      expect(w.upstreamSeen.length, target).toBe(before + 1);
      const seen = w.upstreamSeen.at(-1)!;
      expect([seen.method, seen.path, seen.query], target).toEqual([
        'GET',
        '/v1/invoices/in_1',
        want.forwarded,
      ]);
      checkForwarded(text, parseParams(seen.query, 'query'), seen.query);
    }
    expect(tally.refused).toBeGreaterThan(100);
    expect(tally.forwarded).toBeGreaterThan(100);
  });

  it('for 600 bodies on POST /v1/customers/cus_1 (no uploads there)', async () => {
    const bodies: BodyInput[] = [
      ...fc.sample(bodyArbitrary, { numRuns: 400, seed: 13 }),
      ...fc.sample(spelledArbitrary, { numRuns: 200, seed: 14 }).map((input) => ({
        bytes: new Uint8Array(Buffer.from(input.text, 'latin1')),
        contentType: 'application/x-www-form-urlencoded',
        multipart: false,
      })),
    ].filter(
      (body) =>
        body.bytes.length > 0 && (body.contentType === undefined || /^[\x20-\x7e]*$/.test(body.contentType)),
    );
    const tally = { refused: 0, forwarded: 0, invalidExpand: 0 };
    for (const body of bodies) {
      const shown = describeCase({ kind: 'body', body });
      const want = expected(() => ({
        text: serializeParams(parseBody(body.bytes, body.contentType, { multipart: false }).params),
      }));
      const before = w.upstreamSeen.length;
      const answer = await send(
        agent,
        w.port,
        'POST',
        '/v1/customers/cus_1',
        body.contentType === undefined ? auth : { ...auth, 'content-type': body.contentType },
        body.bytes,
      );
      if ('refused' in want) {
        tally.refused++;
        expect(w.upstreamSeen.length, shown).toBe(before);
        // (a Content-Type the server cannot even read — ``, `form`, `a, b` — is refused by the
        // server before the gateway runs, with the same code)
        const error = JSON.parse(answer.body).error;
        expect([answer.status, error.code], shown).toEqual([400, want.refused]);
        continue;
      }
      const request = {
        method: 'POST',
        path: '/v1/customers/cus_1',
        body: body.bytes,
        ...(body.contentType === undefined ? {} : { contentType: body.contentType }),
      };
      if (invalidExpand(() => resolveRequest(table, request))) {
        tally.invalidExpand++;
        expect([answer.status, JSON.parse(answer.body).error.code], shown).toEqual([
          400,
          'parameter_invalid',
        ]);
        expect(w.upstreamSeen.length, shown).toBe(before);
        continue;
      }
      tally.forwarded++;
      expect(w.upstreamSeen.length, shown).toBe(before + 1);
      const seen = w.upstreamSeen.at(-1)!;
      expect([seen.method, seen.query, seen.body], shown).toEqual(['POST', '', want.forwarded]);
    }
    expect(tally.refused).toBeGreaterThan(100);
    expect(tally.forwarded).toBeGreaterThan(40);
  });
});
