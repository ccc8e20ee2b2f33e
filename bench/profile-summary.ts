/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, or `npm run bench:gateway -- --profile DIR`):
 * the functions with the most self time, self time grouped by where the code lives (appscope's
 * own modules by file, dependencies by package, Node's internals by module), and the functions
 * with the most total time (their own plus everything they called).
 *
 *   npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
  strict: true,
});
if (positionals.length !== 1) {
  process.stderr.write('usage: npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
let total = 0;
for (const t of selfTime.values()) total += t;

function where(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return `dep ${pkg[1]}`;
  const own = /\/(dist|src|bench)\/(.*)$/.exec(url);
  if (own !== null) return `${own[1]}/${own[2]}`;
  return url;
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, t] of selfTime) {
  const frame = byId.get(id)!.callFrame;
  const place = where(frame.url);
  const name = `${frame.functionName || '(anonymous)'}  ${place}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + t);
  byPlace.set(place, (byPlace.get(place) ?? 0) + t);
}

function print(title: string, rows: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [name, t] of [...rows].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}

// Total time: each sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const nameOf = (id: number): string => {
  const frame = byId.get(id)!.callFrame;
  return `${frame.functionName || '(anonymous)'}  ${where(frame.url)}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`}`;
};
const totalTime = new Map<string, number>();
for (const [id, t] of selfTime) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = nameOf(at);
    if (seen.has(name)) continue;
    seen.add(name);
    totalTime.set(name, (totalTime.get(name) ?? 0) + t);
  }
}
for (const name of [...totalTime.keys()]) if (name.startsWith('(root)')) totalTime.delete(name);

console.log(`${positionals[0]}: ${(total / 1e6).toFixed(2)} s of samples`);
print('self time by place', byPlace);
print('self time by function', byFunction);
print('total time by function (self and callees)', totalTime);
