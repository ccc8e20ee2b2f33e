/**
 * bench:scan — how fast `scanPaths` reads a codebase. Generates a seeded codebase of about
 * 100,000 lines in a temporary directory (TypeScript and CommonJS; about one file in eight
 * talks to Stripe in one of the styles the scanner knows, half of the TypeScript ones through
 * a client imported from `src/stripe-client.ts`, the rest is ordinary application code with
 * its own `.list(`/`.create(` calls and imports of `src/db.ts`), scans it several times and prints the median
 * files/s and lines/s against the goal (≥ 200,000 lines/s), with the prefilter and, side by
 * side, without it (every file parsed).
 *
 * Options: --lines N (default 100000), --runs N (default 5), --seed N (default 12).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRouteTable } from '../src/core/routes/load.js';
import { defaultSdkMethods } from '../src/core/routes/sdk-methods.js';
import { type ScanContext, type ScanPathsResult, scanPaths } from '../src/scan/index.js';
import { prng } from './prng.js';
import { median } from './stats.js';

const GOAL_LINES_PER_SECOND = 200_000;

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
};
const targetLines = option('--lines', 100_000);
const runs = option('--runs', 5);
const seed = option('--seed', 12);

const random = prng(seed); // every run scans the same codebase
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

const NOUNS = [
  'order',
  'user',
  'cart',
  'item',
  'report',
  'session',
  'address',
  'shipment',
  'message',
  'comment',
];

/** Ordinary application code: interfaces, classes, functions, loops, comments. */
function plainBlock(n: number, ts: boolean, collide: boolean): string {
  const noun = pick(NOUNS);
  const Noun = noun[0]!.toUpperCase() + noun.slice(1);
  const t = (text: string): string => (ts ? text : '');
  const ex = ts ? 'export ' : '';
  // the app's own repositories; in a few files one is named like a Stripe resource
  // (`repo.invoices.list`), which the scanner reports as an unknown receiver
  const table = collide ? pick(['invoices', 'customers', 'accounts']) : `${noun}s`;
  switch (int(0, 4)) {
    case 0:
      return ts
        ? `export interface ${Noun}${n} {\n  id: string;\n  createdAt: Date;\n  total: number;\n  tags: string[];\n}\n\n`
        : `// ${noun} ${n}: { id, createdAt, total, tags }\n\n`;
    case 1:
      return `/**\n * Loads ${noun}s from the repository and keeps the positive ones.\n */\n${ex}async function load${Noun}s${n}(repo${t(': Repo')}, limit${t(' = 10')}) {\n  const rows = await repo.${table}.list({ limit });\n  const kept = rows.filter((row) => row.total > 0);\n  for (const row of kept) {\n    row.tags = row.tags ?? [];\n  }\n  return kept.map((row) => ({ ...row, label: \`${noun} \${row.id}\` }));\n}\n\n`;
    case 2:
      return `${ex}class ${Noun}Service${n} {\n  ${t('private readonly ')}cache = new Map();\n\n  constructor(${t('private readonly ')}db${t(': Db')}) {${ts ? '' : '\n    this.db = db;'}\n  }\n\n  async get(id${t(': string')}) {\n    if (this.cache.has(id)) return this.cache.get(id);\n    const found = await this.db.${table}.create({ id });\n    this.cache.set(id, found);\n    return found;\n  }\n}\n\n`;
    case 3:
      return `const ${noun}Limits${n} = {\n  max: ${int(1, 1000)},\n  min: ${int(0, 10)},\n  name: '${noun}-${n}',\n};\n\n${ex}function check${Noun}${n}(value${t(': number')})${t(': boolean')} {\n  return value >= ${noun}Limits${n}.min && value <= ${noun}Limits${n}.max;\n}\n\n`;
    default:
      return `${ex}function format${Noun}${n}(items${t(': Array<{ name: string; qty: number }>')}) {\n  let out = '';\n  for (let i = 0; i < items.length; i++) {\n    const item = items[i];\n    out += \`\${item.name} x\${item.qty}\\n\`;\n  }\n  return out.trimEnd();\n}\n\n`;
  }
}

/** One Stripe call, in one of the scanner's styles (the client is `stripe` or `this.stripe`). */
function stripeCall(n: number): string {
  return pick([
    `  await stripe.customers.retrieve(id${n}, { expand: ['default_source'] });\n`,
    `  await stripe.invoices.list({ limit: ${int(1, 100)}, expand: ['data.customer'] });\n`,
    `  await stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://example.com' });\n`,
    `  await stripe.billingPortal.sessions.create({ customer: id${n} });\n`,
    `  for await (const s of stripe.subscriptions.list({ customer: id${n} })) console.log(s.id);\n`,
    `  await stripe.rawRequest('GET', \`/v1/charges/\${id${n}}\`);\n`,
    `  await fetch(\`https://api.stripe.com/v1/payment_intents/\${id${n}}\`, { method: 'POST' });\n`,
    `  await stripe.reporting.reportRuns.list();\n`,
  ]);
}

function stripeFile(ts: boolean, n: number): string {
  const head = !ts
    ? `const stripe = require('stripe')(process.env.STRIPE_KEY);\n\n`
    : random() < 0.5
      ? `import { stripe } from '../../stripe-client';\n\n` // followed across files
      : `import Stripe from 'stripe';\n\nconst stripe = new Stripe(process.env.STRIPE_KEY ?? '');\n\n`;
  let body = '';
  for (let i = 0; i < int(1, 4); i++) {
    body += `${ts ? 'export ' : ''}async function handle${n}_${i}(id${n}${ts ? ': string' : ''}) {\n`;
    for (let j = 0; j < int(1, 3); j++) body += stripeCall(n);
    body += '}\n\n';
  }
  return head + body;
}

function generate(dir: string): { files: number; lines: number } {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const shared = {
    'stripe-client.ts': `import Stripe from 'stripe';\n\nexport const stripe = new Stripe(process.env.STRIPE_KEY ?? '');\n`,
    'db.ts': `export interface Db {\n  query(sql: string): Promise<unknown[]>;\n}\nexport type Repo = Record<string, { list(o: object): Promise<any[]> }>;\n`,
  };
  let lines = 0;
  let files = 0;
  for (const [name, text] of Object.entries(shared)) {
    writeFileSync(join(dir, 'src', name), text);
    lines += text.split('\n').length - 1;
    files++;
  }
  let block = 0;
  while (lines < targetLines) {
    const ts = random() < 0.7;
    const folder = join(dir, 'src', pick(['api', 'domain', 'lib', 'jobs', 'web']), `m${files % 40}`);
    mkdirSync(folder, { recursive: true });
    let text = ts
      ? `import { z } from 'zod';\nimport type { Db, Repo } from '../../db';\n\n`
      : `'use strict';\n\n`;
    const size = int(60, 400);
    const collide = random() < 0.03;
    while (text.split('\n').length < size) text += plainBlock(block++, ts, collide);
    if (files % 8 === 0) text = stripeFile(ts, files) + text; // one file in eight talks to Stripe
    writeFileSync(join(folder, `file${files}.${ts ? 'ts' : 'cjs'}`), text);
    lines += text.split('\n').length - 1;
    files++;
  }
  // what the walk must skip
  mkdirSync(join(dir, 'node_modules', 'stripe'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'stripe', 'index.js'), stripeFile(false, 0).repeat(50));
  return { files, lines };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const dir = mkdtempSync(join(tmpdir(), 'appscope-bench-scan-'));
try {
  const generated = generate(dir);
  console.log(
    `bench:scan — ${fmt(generated.files)} files, ${fmt(generated.lines)} lines generated (seed ${seed}); median of ${runs} runs`,
  );
  const context: ScanContext = { sdkMethods: defaultSdkMethods(), routes: defaultRouteTable() };
  const measure = (prefilter: boolean): { result: ScanPathsResult; seconds: number } => {
    const times: number[] = [];
    let result: ScanPathsResult | undefined;
    scanPaths([dir], { ...context, prefilter }); // warm-up
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      result = scanPaths([dir], { ...context, prefilter });
      times.push((performance.now() - start) / 1000);
    }
    return { result: result!, seconds: median(times) };
  };
  const rows: [string, ReturnType<typeof measure>][] = [
    ['scanPaths', measure(true)],
    ['scanPaths, every file parsed', measure(false)],
  ];
  for (const [label, { result, seconds }] of rows) {
    console.log(
      `${label.padEnd(30)} ${fmt(result.files / seconds).padStart(9)} files/s ${fmt(result.lines / seconds).padStart(11)} lines/s  ` +
        `(${fmt(result.parsed)} of ${fmt(result.files)} files parsed; ${fmt(result.calls.length)} calls, ${fmt(result.unresolved.length)} unresolved; ${(seconds * 1000).toFixed(0)} ms)`,
    );
  }
  const [, main] = rows[0]!;
  const [, full] = rows[1]!;
  if (JSON.stringify(main.result.calls) !== JSON.stringify(full.result.calls)) {
    throw new Error('the prefilter changed the calls found');
  }
  const codes = new Map<string, number>();
  for (const entry of main.result.unresolved) codes.set(entry.code, (codes.get(entry.code) ?? 0) + 1);
  console.log(
    `unresolved by reason: ${[...codes].map(([code, n]) => `${code} ${fmt(n)}`).join(', ') || 'none'}`,
  );
  console.log(`prefilter speed-up: ${(full.seconds / main.seconds).toFixed(1)}×`);
  const rate = main.result.lines / main.seconds;
  console.log(
    `goal ≥ ${fmt(GOAL_LINES_PER_SECOND)} lines/s: ${fmt(rate)} lines/s ${rate >= GOAL_LINES_PER_SECOND ? 'met' : 'NOT MET'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
