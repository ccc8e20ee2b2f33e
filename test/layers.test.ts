import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// DESIGN.md: inner layers never import outer ones. A scan of the import specifiers of every
// source file in a directory (type-only imports included: they couple the layers too).
const src = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `file → imported path` for every relative import of a file under `layer` that lands in one of `outer`. */
function importsInto(layer: string, outer: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(src, layer))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = relative(src, join(file, '..', match[1]!));
      if (outer.some((dir) => target.startsWith(`${dir}/`))) {
        found.push(`${relative(src, file)} → ${target}`);
      }
    }
  }
  return found;
}

describe('layers (DESIGN.md: inner layers never import outer ones)', () => {
  it('the store imports neither the decision log nor any edge', () => {
    expect(
      importsInto('store', ['decision-log', 'gateway', 'server', 'cli', 'dashboard', 'emulator', 'domain']),
    ).toEqual([]);
  });

  it('the gateway imports neither the server nor the store', () => {
    expect(importsInto('gateway', ['server', 'store'])).toEqual([]);
  });

  it('the scan sees imports (it finds the decision log importing the store)', () => {
    expect(importsInto('decision-log', ['store']).length).toBeGreaterThan(0);
  });
});
