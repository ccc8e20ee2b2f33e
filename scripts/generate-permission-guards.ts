/**
 * Rewrites the "Which routes each permission guards" section of docs/catalog.md from the
 * catalog (catalogs/stripe-apps.json), the route table (catalogs/stripe-routes.json) and the
 * exceptions table (src/core/routes/stripe-guard-exceptions.ts).
 *
 *   npm run generate:permission-guards            # rewrites the section between the markers
 *   npm run generate:permission-guards -- --check # exits 1 when the committed section is stale
 *
 * Either way it exits 1, writing nothing, when a permission guards no route and has no
 * exception, or an exception is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCatalog } from '../src/core/catalog/load.js';
import { formatIssues } from '../src/core/issues.js';
import { DEFAULT_ROUTE_TABLE_PATH } from '../src/core/routes/load.js';
import {
  permissionGuards,
  renderPermissionGuards,
  replacePermissionGuards,
} from '../src/core/routes/permission-guards.js';
import { validateRouteTable } from '../src/core/routes/route-table.js';
import { STRIPE_GUARD_EXCEPTIONS } from '../src/core/routes/stripe-guard-exceptions.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const path = fileURLToPath(new URL('../docs/catalog.md', import.meta.url));

const catalog = defaultCatalog();
const table = validateRouteTable(JSON.parse(readFileSync(DEFAULT_ROUTE_TABLE_PATH, 'utf8')), catalog);
if (!table.ok) {
  process.stderr.write(`${DEFAULT_ROUTE_TABLE_PATH} is invalid:\n${formatIssues(table.issues)}\n`);
  process.exit(1);
}
const report = permissionGuards(catalog, table.file, STRIPE_GUARD_EXCEPTIONS);
if (report.issues.length > 0) {
  process.stderr.write(
    `fix src/core/routes/stripe-guard-exceptions.ts or the route table first:\n${formatIssues(report.issues)}\n`,
  );
  process.exit(1);
}
const current = readFileSync(path, 'utf8');
const next = replacePermissionGuards(current, renderPermissionGuards(report));
if (values.check) {
  if (next !== current) {
    process.stderr.write(
      `${path}: the permission guards section is out of date; run \`npm run generate:permission-guards\`\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${path}: the permission guards section is up to date\n`);
} else {
  writeFileSync(path, next);
  process.stdout.write(`wrote the permission guards section of ${path}\n`);
}
