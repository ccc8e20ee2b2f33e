/**
 * Rewrites the coverage table of docs/emulator.md from the emulator's own coverage
 * (`createEmulator().coverage`): which operations the hand-written modules serve and how the
 * generic engine serves the rest.
 *
 *   npm run generate:emulator-coverage            # rewrites the section between the markers
 *   npm run generate:emulator-coverage -- --check # exits 1 when the committed table is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderCoverage, replaceCoverage } from '../src/emulator/coverage.js';
import { createEmulator } from '../src/emulator/emulator.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const path = fileURLToPath(new URL('../docs/emulator.md', import.meta.url));
const current = readFileSync(path, 'utf8');
const next = replaceCoverage(current, renderCoverage(createEmulator().coverage));
if (values.check) {
  if (next !== current) {
    process.stderr.write(
      `${path}: the coverage table is out of date; run \`npm run generate:emulator-coverage\`\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${path}: the coverage table is up to date\n`);
} else {
  writeFileSync(path, next);
  process.stdout.write(`wrote the coverage table of ${path}\n`);
}
