import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COVERAGE_END, COVERAGE_START, renderCoverage } from '../../src/emulator/coverage.js';
import { createEmulator } from '../../src/emulator/emulator.js';
import { loadApiModel } from '../../src/emulator/generic/model.js';

describe('docs/emulator.md coverage table', () => {
  const coverage = createEmulator().coverage;

  it('is generated from the code: `npm run generate:emulator-coverage` leaves it unchanged', () => {
    const doc = readFileSync(new URL('../../docs/emulator.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf(COVERAGE_START), doc.indexOf(COVERAGE_END) + COVERAGE_END.length);
    expect(section).toBe(renderCoverage(coverage));
  });

  it('lists every operation of the API model once', () => {
    const model = loadApiModel();
    expect(coverage).toHaveLength(model.operations.length);
    const table = renderCoverage(coverage);
    for (const op of model.operations) expect(table).toContain(`\`${op.method} ${op.path}\``);
    expect(new Set(coverage.map((c) => `${c.method} ${c.path}`)).size).toBe(coverage.length);
  });
});
