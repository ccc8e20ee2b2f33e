import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanPaths } from '../../src/scan/index.js';
import { context } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'appscope-scan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CALL = `import Stripe from 'stripe';\nconst stripe = new Stripe('k');\nstripe.customers.retrieve('cus_1');\n`;

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

describe('scanPaths', () => {
  write({
    'src/a.ts': CALL,
    'src/b.mjs': CALL,
    'src/c.cjs': `const stripe = require('stripe')('k');\nstripe.customers.retrieve('a');\n`,
    'src/d.mts': CALL,
    'src/e.cts': CALL,
    'src/f.jsx': CALL,
    'src/g.tsx': CALL,
    'src/nested/h.js': CALL,
    'src/plain.ts': 'export const x = 1;\nexport const y = 2;\n',
    'src/types.d.ts': CALL,
    'src/types.d.mts': CALL,
    'src/readme.md': CALL,
    'src/data.json': '{}',
    'node_modules/stripe/index.js': CALL,
    'src/node_modules/x/index.js': CALL,
    'dist/a.js': CALL,
    'build/a.js': CALL,
    'out/a.js': CALL,
    'coverage/a.js': CALL,
    '.git/hooks/a.js': CALL,
    'broken/bad.ts': `${CALL}const = ;\n`,
  });

  it('walks directories for the eight extensions, skipping node_modules, build output, coverage, .git and .d.ts', () => {
    const result = scanPaths([root], context);
    const files = result.calls.map((call) => call.file.slice(root.length + 1));
    expect(files).toEqual([
      'src/a.ts',
      'src/b.mjs',
      'src/c.cjs',
      'src/d.mts',
      'src/e.cts',
      'src/f.jsx',
      'src/g.tsx',
      'src/nested/h.js',
    ]);
    expect(result.calls.every((call) => call.operation === 'GET /v1/customers/{customer}')).toBe(true);
    // the eight files above, plain.ts and broken/bad.ts
    expect(result.files).toBe(10);
    expect(result.lines).toBe(8 * 3 - 1 + 2 + 4);
    expect(result.parsed).toBe(9); // plain.ts is left to the prefilter
  });

  it('a directory named to the scan is walked even when a walk would skip it', () => {
    const result = scanPaths([join(root, 'dist'), join(root, 'node_modules')], context);
    expect(result.calls.map((call) => call.file.slice(root.length + 1))).toEqual([
      'dist/a.js',
      'node_modules/stripe/index.js',
    ]);
  });

  it('inside node_modules, a package’s build output is walked (nested node_modules are not)', () => {
    write({
      'node_modules/pkg/package.json': '{}',
      'node_modules/pkg/dist/index.js': CALL,
      'node_modules/pkg/dist/node_modules/dep/index.js': CALL,
      'app/dist/index.js': CALL,
    });
    const result = scanPaths([join(root, 'node_modules/pkg'), join(root, 'app')], context);
    expect(result.calls.map((call) => call.file.slice(root.length + 1))).toEqual([
      'node_modules/pkg/dist/index.js',
    ]);
  });

  it('a file that does not parse is one unresolved entry and the scan goes on', () => {
    const result = scanPaths([root], context);
    expect(result.unresolved).toEqual([
      expect.objectContaining({ file: join(root, 'broken/bad.ts'), line: 4, code: 'parse_error' }),
    ]);
  });

  it('a file named directly is scanned whatever its extension; a missing path is unresolved', () => {
    const result = scanPaths([join(root, 'src/readme.md'), join(root, 'nope')], context);
    expect(result.files).toBe(1);
    expect(result.calls.map((call) => call.file)).toEqual([join(root, 'src/readme.md')]);
    expect(result.unresolved).toEqual([
      expect.objectContaining({ file: join(root, 'nope'), line: 1, column: 1, code: 'read_error' }),
    ]);
    expect(result.unresolved[0]!.reason).toMatch(/^cannot read: ENOENT/);
  });

  it('the same file reached twice is scanned once', () => {
    const result = scanPaths([join(root, 'src/nested'), join(root, 'src/nested/h.js')], context);
    expect(result.files).toBe(1);
    expect(result.calls).toHaveLength(1);
  });
});
