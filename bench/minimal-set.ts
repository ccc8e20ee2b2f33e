/**
 * The minimal-set computation (src/core/least-privilege/minimal-set.ts) on the Stripe Apps
 * catalog, for the goal of issue 12: ≤ 10 ms for 500 calls.
 *
 * The workload is 500 calls drawn from the default route table with a seeded PRNG: any route
 * (endpoints not available to apps included), ids filled in, and one call in three asks to expand
 * a field the route can expand. Each call's requirement comes from `resolveRequest`, as the
 * gateway computes it. The same 500 requirements are solved `--runs` times (default 21); the
 * first run, which also builds the catalog's bitsets, is printed apart, and the goal is judged on
 * the median of the others. A second, synthetic line adds 500 any-of groups of 2–3 random
 * alternatives (the Stripe route table has none) to show what the exact search costs when it
 * has choices to make; it has no goal.
 * Options: --runs N, --seed N (default 1).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defaultCatalog } from '../src/core/catalog/load.js';
import { minimalSet } from '../src/core/least-privilege/minimal-set.js';
import { type Requirement, requirementGroup } from '../src/core/requirement.js';
import { defaultRouteTable } from '../src/core/routes/load.js';
import { resolveRequest } from '../src/core/routes/resolve.js';
import { prng } from './prng.js';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '21' }, seed: { type: 'string', default: '1' } },
});
const runs = Math.max(2, Number(flags.runs) || 21);
const CALLS = 500;
const GOAL_MS = 10;

const random = prng(Number(flags.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const catalog = defaultCatalog();
const table = defaultRouteTable();
const EXPANDABLE = [
  'customer',
  'data.customer',
  'invoice',
  'subscription',
  'payment_intent',
  'charge',
  'source',
];

const requirements: Requirement[] = [];
let expanded = 0;
while (requirements.length < CALLS) {
  const route = pick(table.routes);
  const path = route.path.replace(/\{[^}]+\}/g, () => `id_${Math.floor(random() * 1e6)}`);
  let requirement = resolveRequest(table, { method: route.method, path }).requirement;
  if (route.available && random() < 1 / 3) {
    for (const field of shuffle(EXPANDABLE)) {
      try {
        requirement = resolveRequest(table, {
          method: route.method,
          path: `${path}?expand[]=${field}`,
        }).requirement;
        expanded++;
        break;
      } catch {
        // not expandable on this route: try another field
      }
    }
  }
  requirements.push(requirement);
}

const names = catalog.permissions.map((p) => p.name);
const synthetic: Requirement[] = requirements.map((requirement, i) => [
  ...requirement,
  requirementGroup(
    catalog,
    Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(names)),
    `synthetic any-of ${i}`,
  ),
]);

function time(workload: readonly Requirement[]): {
  cold: number;
  warm: number;
  result: ReturnType<typeof minimalSet>;
} {
  const times: number[] = [];
  let result = minimalSet(catalog, []);
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    result = minimalSet(catalog, workload);
    times.push(performance.now() - start);
  }
  return { cold: times[0]!, warm: median(times.slice(1)), result };
}

const distinct = new Set(
  requirements.flat().map((g) => `${g.anyOf.join(',')}|${g.anyOf.length === 0 ? g.reason : ''}`),
).size;
console.log(
  `workload: ${CALLS} calls from the Stripe route table (seed ${flags.seed}; ${expanded} with expand), ${requirements.flat().length} groups, ${distinct} distinct; catalog of ${catalog.size} permissions`,
);
const real = time(requirements);
console.log(
  `route table      first run ${real.cold.toFixed(2)} ms (with the catalog's bitsets), median of ${runs - 1} ${real.warm.toFixed(3)} ms: ${real.result.permissions.length} permissions, closure ${real.result.closure.length}, ${real.result.unsatisfiable.length} unsatisfiable groups`,
);
const stress = time(synthetic);
console.log(
  `+ 500 any-of     median of ${runs - 1} ${stress.warm.toFixed(3)} ms: ${stress.result.permissions.length} permissions, closure ${stress.result.closure.length} (synthetic, no goal)`,
);
console.log(
  `goal: minimal set for ${CALLS} calls ≤ ${GOAL_MS} ms (median ${real.warm.toFixed(3)} ms): ${real.warm <= GOAL_MS ? 'met' : 'NOT MET'}`,
);
