import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/emulator.js';
import { loadApiModel, resolveSchema } from '../../src/emulator/generic/model.js';

/**
 * Every operation, every parameter it has, each given in every wrong shape (empty, a word, a
 * number, a huge number, an id of nothing, a list, a hash, nested hashes): the emulator answers
 * a 4xx or a 200, never a 500, in normal and in stripe-mock mode. Deterministic: the same
 * requests on every run.
 */

const model = loadApiModel();
const VALUES = ['', 'x', '1', '-1', 'true', '99999999999999999', 'cus_nope', '1.5'];

function forms(name: string): string[] {
  return [
    ...VALUES.map((value) => `${name}=${encodeURIComponent(value)}`),
    `${name}[]=a`,
    `${name}[a]=b`,
    `${name}[0][a]=b`,
    `${name}[a][b]=c`,
  ];
}

describe('malformed parameters on every operation', () => {
  for (const stripeMock of [false, true]) {
    it(`answer 4xx or 200, never 500 (${stripeMock ? 'stripe-mock mode' : 'normal mode'})`, async () => {
      const failures: string[] = [];
      const emulator = createEmulator({
        stripeMock,
        onInternalError: (error, request) =>
          failures.push(
            `${request.method} ${request.path} ${request.query}${request.body}: ${String(error)}`,
          ),
      });
      let sent = 0;
      for (const op of model.operations) {
        const path = op.path.replace(/\{[^}]+\}/g, 'xyz_123');
        const names = Object.keys(resolveSchema(model, op.params).properties ?? {});
        for (const form of ['', ...names.flatMap(forms), 'expand[]=data.foo', 'limit=0']) {
          sent += 1;
          const answer = await emulator.handle({
            method: op.method,
            path,
            query: op.method === 'POST' ? '' : form,
            body: op.method === 'POST' ? form : '',
            account: 'acct_Malformed000001',
            livemode: false,
          });
          if (answer.status >= 500) failures.push(`${answer.status} ${op.method} ${path} ${form}`);
        }
      }
      expect(sent).toBeGreaterThan(20_000);
      expect(failures).toEqual([]);
    }, 120_000);
  }
});
