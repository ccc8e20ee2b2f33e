import { describe, expect, it } from 'vitest';
import type { ScanPathsResult } from '../../src/scan/index.js';
import { ops, problems, scan, scanProject } from './support.js';

// Clients followed across the files scanPaths scans: every export form, every import form,
// how specifiers resolve, cycles, and what stays unresolved. Each project is scanned with the
// prefilter on and off (scanProject checks both agree).
const LIST = 'stripe.customers.list GET /v1/customers';
const CLIENT = `import Stripe from 'stripe';\nexport const stripe = new Stripe(process.env.KEY ?? '');\n`;
const USE = `import { stripe } from './client';\nexport const all = () => stripe.customers.list();\n`;

/** `file: via operation` per call. */
function where(result: ScanPathsResult): string[] {
  return result.calls.map((call) => `${call.file}: ${call.via} ${call.operation}`);
}

describe('scanPaths: clients exported and imported across files', () => {
  it('a named export of a const, imported by name', () => {
    const result = scanProject({ 'client.ts': CLIENT, 'app.ts': USE });
    expect(where(result)).toEqual([`app.ts: ${LIST}`]);
    expect(result.calls[0]).toMatchObject({ line: 2, column: 26, requires: [['customer_read']] });
    expect(result.unresolved).toEqual([]);
  });

  it('let and var exports, and `export { local as name }`', () => {
    const result = scanProject({
      'client.ts': `import Stripe from 'stripe';\nexport let a = new Stripe('k');\nexport var b = new Stripe('k');\nconst c = new Stripe('k');\nexport { c as d };\n`,
      'app.ts': `import { a, b, d } from './client';\na.customers.list();\nb.customers.list();\nd.customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST, LIST, LIST]);
  });

  it('`export default new Stripe(k)` with a default import', () => {
    const result = scanProject({
      'client.ts': `import Stripe from 'stripe';\nexport default new Stripe('k');\n`,
      'app.ts': `import stripe from './client';\nstripe.customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST]);
  });

  it('`import { stripe as s }`', () => {
    const result = scanProject({
      'client.ts': CLIENT,
      'app.ts': `import { stripe as s } from './client';\ns.customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST]);
  });

  it('`import * as c` then `c.stripe`', () => {
    const result = scanProject({
      'client.ts': CLIENT,
      'app.ts': `import * as c from './client';\nc.stripe.customers.list();\nconst { stripe } = c;\nstripe.customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST, LIST]);
  });

  it('an exported part of a client and an exported function returning one', () => {
    const result = scanProject({
      'client.ts': `import Stripe from 'stripe';\nconst stripe = new Stripe('k');\nexport const customers = stripe.customers;\nexport function getStripe(): Stripe {\n  return stripe;\n}\nexport const make = () => new Stripe('k');\n`,
      'app.ts': `import { customers, getStripe, make } from './client';\ncustomers.list();\ngetStripe().customers.list();\nmake().customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST, LIST, LIST]);
  });

  it('an exported function whose returns are all clients (no annotation) is followed', () => {
    const result = scanProject({
      'client.ts': `import Stripe from 'stripe';\nconst stripe = new Stripe('k');\nexport function get() {\n  return stripe;\n}\n`,
      'app.ts': `import { get } from './client';\nget().customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST]);
  });

  it('a function not known to return a client exports nothing known', () => {
    const result = scanProject({
      'client.ts': `import Stripe from 'stripe';\nconst stripe = new Stripe('k');\nexport function get(other: unknown) {\n  if (other) return other;\n  return stripe;\n}\n`,
      'app.ts': `import { get } from './client';\nget(1).customers.list();\n`,
    });
    expect(result.calls).toEqual([]);
    expect(problems(result)).toEqual(['unknown_receiver ….customers.list']);
  });

  it('the `stripe` module re-exported: `new Stripe(k)` in the importer is a client', () => {
    const result = scanProject({
      'lib.ts': `export { default as Stripe } from 'stripe';\n`,
      'app.ts': `import { Stripe } from './lib';\nconst s = new Stripe('k');\ns.customers.list();\n`,
    });
    expect(ops(result)).toEqual([LIST]);
  });

  describe('CommonJS', () => {
    const cases: [string, string, string][] = [
      [
        '`module.exports = stripe` with `const stripe = require(…)`',
        `const stripe = require('stripe')('k');\nmodule.exports = stripe;\n`,
        `const stripe = require('./client');\nstripe.customers.list();\n`,
      ],
      [
        '`module.exports.stripe = …` with `const { stripe } = require(…)`',
        `module.exports.stripe = require('stripe')('k');\n`,
        `const { stripe } = require('./client');\nstripe.customers.list();\n`,
      ],
      [
        '`exports.stripe = …` with `require(…).stripe`',
        `const Stripe = require('stripe');\nexports.stripe = new Stripe('k');\n`,
        `const client = require('./client');\nclient.stripe.customers.list();\n`,
      ],
      [
        '`module.exports = { stripe }` with `const { stripe } = require(…)`',
        `const stripe = require('stripe')('k');\nmodule.exports = { stripe, other: 1 };\n`,
        `const { stripe, other } = require('./client');\nstripe.customers.list();\n`,
      ],
    ];
    for (const [name, client, app] of cases) {
      it(name, () => {
        const result = scanProject({ 'client.cjs': client, 'app.cjs': app });
        expect(where(result)).toEqual([`app.cjs: ${LIST}`]);
        expect(result.unresolved).toEqual([]);
      });
    }

    it('an ES module imports a CommonJS client by default import', () => {
      const result = scanProject({
        'client.cjs': `module.exports = require('stripe')('k');\n`,
        'app.mjs': `import stripe from './client.cjs';\nstripe.customers.list();\n`,
      });
      expect(ops(result)).toEqual([LIST]);
    });

    it('a shadowed `module` is not the module', () => {
      const result = scanProject({
        'client.cjs': `const module = {};\nmodule.exports = require('stripe')('k');\n`,
        'app.cjs': `const stripe = require('./client');\nstripe.customers.list();\n`,
      });
      expect(problems(result)).toEqual(['unknown_receiver stripe.customers.list']);
    });
  });

  describe('re-exports', () => {
    it('`export { stripe } from`, `export { stripe as default } from` and `export * from`, through an index', () => {
      const result = scanProject({
        'lib/client.ts': CLIENT,
        'lib/named.ts': `export { stripe } from './client';\n`,
        'lib/default.ts': `export { stripe as default } from './client';\n`,
        'lib/index.ts': `export * from './named';\n`,
        'a.ts': `import { stripe } from './lib';\nstripe.customers.list();\n`,
        'b.ts': `import s from './lib/default';\ns.customers.list();\n`,
        'c.ts': `import * as lib from './lib/index.js';\nlib.stripe.customers.list();\n`,
      });
      expect(where(result)).toEqual([`a.ts: ${LIST}`, `b.ts: ${LIST}`, `c.ts: ${LIST}`]);
    });

    it('`export * as ns from` and an imported client exported again', () => {
      const result = scanProject({
        'client.ts': CLIENT,
        'ns.ts': `export * as clients from './client';\n`,
        'again.ts': `import { stripe } from './client';\nexport const payments = stripe;\n`,
        'app.ts': `import { clients } from './ns';\nimport { payments } from './again';\nclients.stripe.customers.list();\npayments.customers.list();\n`,
      });
      expect(ops(result)).toEqual([LIST, LIST]);
    });

    it('`export *` leaves out the default export', () => {
      const result = scanProject({
        'client.ts': `import Stripe from 'stripe';\nexport default new Stripe('k');\n`,
        'index.ts': `export * from './client';\n`,
        'app.ts': `import * as all from './index';\nall.default.customers.list();\n`,
      });
      expect(problems(result)).toEqual(['unknown_receiver all.default.customers.list']);
    });
  });

  describe('specifiers', () => {
    const forms: [string, Record<string, string>, string][] = [
      ['`./client` → client.ts', { 'client.ts': CLIENT }, './client'],
      ['`./client.js` → client.ts', { 'client.ts': CLIENT }, './client.js'],
      ['`./client.jsx` → client.tsx', { 'client.tsx': CLIENT }, './client.jsx'],
      ['`./client.mjs` → client.mts', { 'client.mts': CLIENT }, './client.mjs'],
      ['`./client.cjs` → client.cts', { 'client.cts': CLIENT }, './client.cjs'],
      ['`./client.js` → client.js', { 'client.js': CLIENT }, './client.js'],
      ['`./client` → client/index.ts', { 'client/index.ts': CLIENT }, './client'],
      ['`./client/index` → client/index.js', { 'client/index.js': CLIENT }, './client/index'],
      ['`../x/client` from a subdirectory', { 'x/client.mjs': CLIENT }, '../x/client'],
      ['`.` from a sibling of index.ts', { 'index.ts': CLIENT }, '.'],
    ];
    for (const [name, files, specifier] of forms) {
      it(name, () => {
        const app = specifier.startsWith('../') ? 'y/app.ts' : 'app.ts';
        const result = scanProject({
          ...files,
          [app]: `import { stripe } from '${specifier}';\nstripe.customers.list();\n`,
        });
        expect(where(result)).toEqual([`${app}: ${LIST}`]);
      });
    }

    it('a file is preferred to a directory index, and .ts to .js', () => {
      const result = scanProject({
        'client.ts': CLIENT,
        'client.js': 'export const stripe = 1;\n',
        'client/index.ts': 'export const stripe = 1;\n',
        'app.ts': USE,
      });
      expect(ops(result)).toEqual([LIST]);
    });
  });

  describe('what stays unresolved', () => {
    it('a specifier that resolves to no scanned file, and a package', () => {
      const result = scanProject({
        'client.ts': CLIENT,
        'app.ts': `import { stripe } from './missing';\nimport { stripe as pkg } from 'client';\nstripe.customers.list();\npkg.customers.list();\n`,
      });
      expect(result.calls).toEqual([]);
      expect(result.unresolved).toEqual([
        expect.objectContaining({
          file: 'app.ts',
          line: 3,
          via: 'stripe.customers.list',
          code: 'unknown_receiver',
        }),
        expect.objectContaining({
          file: 'app.ts',
          line: 4,
          via: 'pkg.customers.list',
          code: 'unknown_receiver',
        }),
      ]);
      expect(result.unresolved[0]!.reason).toBe('receiver not known to be a Stripe client');
    });

    it('a file outside the scanned paths is not read', () => {
      const result = scanProject(
        { 'client.ts': CLIENT, 'src/app.ts': USE.replace('./client', '../client') },
        ['src'],
      );
      expect(problems(result)).toEqual(['unknown_receiver stripe.customers.list']);
    });

    it('a name the module does not export', () => {
      const result = scanProject({
        'client.ts': CLIENT,
        'app.ts': `import { other } from './client';\nother.customers.list();\n`,
      });
      expect(problems(result)).toEqual(['unknown_receiver other.customers.list']);
    });

    it('scanSource, one file with no project, does not follow imports', () => {
      const result = scan(USE);
      expect(result.calls).toEqual([]);
      expect(problems(result)).toEqual(['unknown_receiver stripe.customers.list']);
    });
  });

  describe('cycles', () => {
    it('two files importing each other: each still sees the other’s client', () => {
      const result = scanProject({
        'a.ts': `import Stripe from 'stripe';\nimport { b } from './b';\nexport const stripe = new Stripe('k');\nb.customers.list();\n`,
        'b.ts': `import { stripe } from './a';\nexport const b = stripe;\nstripe.customers.list();\n`,
      });
      expect(where(result)).toEqual([`a.ts: ${LIST}`, `b.ts: ${LIST}`]);
    });

    it('re-exports in a cycle terminate, unresolved', () => {
      const result = scanProject({
        'a.ts': `export { x } from './b';\n`,
        'b.ts': `export { x } from './a';\nexport * from './b';\n`,
        'app.ts': `import { x } from './a';\nx.customers.list();\n`,
      });
      expect(problems(result)).toEqual(['unknown_receiver x.customers.list']);
    });
  });

  describe('the prefilter', () => {
    it('a file that never mentions `stripe` nor an SDK method chain is parsed when it imports a client', () => {
      const files = {
        'client.ts': `import Stripe from 'stripe';\nexport const customers = new Stripe('k').customers;\n`,
        'app.ts': `import { customers } from './client';\nconst all = customers;\nexport const list = () => all.list();\n`,
        'plain.ts': `import { helper } from './helper';\nexport const x = helper.list();\n`,
        'helper.ts': 'export const helper = { list: () => [] };\n',
      };
      const result = scanProject(files);
      expect(where(result)).toEqual([`app.ts: ${LIST}`]);
      // client.ts and app.ts; neither plain.ts nor helper.ts
      expect(result.parsed).toBe(2);
    });
  });
});
