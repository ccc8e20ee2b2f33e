/**
 * Regenerates catalogs/stripe-routes.json from Stripe's OpenAPI description and the Stripe
 * mapping (src/core/routes/stripe-mapping.ts).
 *
 *   npm run generate:routes                          # reads ../shared/stripe-openapi/spec3-2022-04-12.json
 *   npm run generate:routes -- --spec PATH [--out PATH] [--check]
 *
 * `--check` writes nothing and exits 1 when the committed table differs from what the
 * generator produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCatalog } from '../src/core/catalog/load.js';
import { generateRouteTable, serializeRouteTable } from '../src/core/routes/generate.js';
import { RouteTable } from '../src/core/routes/route-table.js';
import { STRIPE_MAPPING } from '../src/core/routes/stripe-mapping.js';
import { isAppscopeError } from '../src/errors.js';

const root = new URL('../', import.meta.url);
const { values } = parseArgs({
  options: {
    spec: {
      type: 'string',
      default: fileURLToPath(new URL('../shared/stripe-openapi/spec3-2022-04-12.json', root)),
    },
    out: { type: 'string', default: fileURLToPath(new URL('catalogs/stripe-routes.json', root)) },
    check: { type: 'boolean', default: false },
  },
});

try {
  const spec: unknown = JSON.parse(readFileSync(values.spec, 'utf8'));
  const catalog = defaultCatalog();
  const file = generateRouteTable(spec, STRIPE_MAPPING, { catalog });
  RouteTable.compile(file, catalog, values.out); // the result must load
  const text = serializeRouteTable(file);
  const unavailable = file.routes.filter((r) => r.unavailable !== undefined).length;
  const summary = `${file.routes.length} operations: ${file.routes.length - unavailable} mapped, ${unavailable} unavailable; ${Object.keys(file.types).length} types`;
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(values.out, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write(`${values.out} is out of date; run \`npm run generate:routes\`\n`);
      process.exit(1);
    }
    process.stdout.write(`${values.out} is up to date (${summary})\n`);
  } else {
    writeFileSync(values.out, text);
    process.stdout.write(`wrote ${values.out} (${summary}, ${text.length} bytes)\n`);
  }
} catch (error) {
  process.stderr.write(`${isAppscopeError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}
