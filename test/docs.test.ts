import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('documentation stays in step with the code', () => {
  it('docs/errors.md lists every error code of src/errors.ts, and no other', () => {
    const codes = [...read('src/errors.ts').matchAll(/\| '(ERR_[A-Z_]+)'/g)].map((m) => m[1]).sort();
    const documented = [...read('docs/errors.md').matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)]
      .map((m) => m[1])
      .sort();
    expect(codes.length).toBeGreaterThan(20);
    expect(documented).toEqual(codes);
  });

  it('the README shows the quick-start and test commands that CI runs', () => {
    const readme = read('README.md');
    const ci = read('.ci/run');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/^npm test$/m);
  });
});
