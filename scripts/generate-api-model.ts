/**
 * Regenerates catalogs/stripe-api-model.json (the emulator's API model: every operation's
 * parameters and response, and the schemas they reach) from Stripe's OpenAPI description.
 *
 *   npm run generate:api-model                  # reads ../shared/stripe-openapi/spec3-2022-04-12.json
 *   npm run generate:api-model -- --spec PATH [--out PATH] [--check]
 *
 * `--check` writes nothing and exits 1 when the committed model differs from what the
 * generator produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateApiModel, serializeApiModel } from '../src/emulator/generic/generate.js';

const root = new URL('../', import.meta.url);
const { values } = parseArgs({
  options: {
    spec: {
      type: 'string',
      default: fileURLToPath(new URL('../shared/stripe-openapi/spec3-2022-04-12.json', root)),
    },
    out: { type: 'string', default: fileURLToPath(new URL('catalogs/stripe-api-model.json', root)) },
    check: { type: 'boolean', default: false },
  },
});

try {
  const spec: unknown = JSON.parse(readFileSync(values.spec, 'utf8'));
  const model = generateApiModel(spec, basename(values.spec));
  const text = serializeApiModel(model);
  const summary = `${model.operations.length} operations, ${Object.keys(model.schemas).length} schemas`;
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(values.out, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write(`${values.out} is out of date; run \`npm run generate:api-model\`\n`);
      process.exit(1);
    }
    process.stdout.write(`${values.out} is up to date (${summary})\n`);
  } else {
    writeFileSync(values.out, text);
    process.stdout.write(`wrote ${values.out} (${summary}, ${text.length} bytes)\n`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
