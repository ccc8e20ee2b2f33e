import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

// The README's tour is real output: this test writes the files it shows, runs each
// `$ npx appscope …` line through the CLI and compares what it prints.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function files(): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of readme.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```/g))
    out.set(match[1]!, match[2]!);
  return out;
}

interface Step {
  command: string;
  expected: string;
}

function tour(): Step[] {
  const block = /<!-- tested: README tour[^>]*-->\n```console\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README has no tested tour block');
  const steps: Step[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: '' });
    else if (steps.length > 0) steps.at(-1)!.expected += `${line}\n`;
  }
  return steps.map((s) => ({ ...s, expected: s.expected.replace(/\n+$/, '\n') }));
}

/** Splits a shell line into words, honouring double quotes. */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('the README tour', () => {
  it('prints exactly what the README shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-readme-'));
    for (const [name, text] of files()) writeFileSync(join(dir, name), text);
    const steps = tour();
    expect(steps.length).toBeGreaterThan(5);
    for (const step of steps) {
      const [program, ...args] = words(step.command);
      if (program === 'cp') {
        copyFileSync(join(dir, args[0]!), join(dir, args[1]!));
        continue;
      }
      expect(`${program} ${args[0]}`).toBe('npx appscope');
      const run = await runCli(args.slice(1), { cwd: dir });
      const printed = `${run.stdout}${run.stderr}`.replace(/\n+$/, '\n');
      expect(printed, step.command).toBe(step.expected === '\n' ? '' : step.expected);
    }
  });
});
