import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanPaths } from '../../src/scan/index.js';
import { context } from './support.js';

// examples/scan-sample uses every call style the scanner knows, plus calls it cannot place.
// expected-scan.json was written by hand and each entry checked against the code and the
// route table; it is not a snapshot of the scanner's output.
const sample = fileURLToPath(new URL('../../examples/scan-sample/', import.meta.url));

describe('examples/scan-sample', () => {
  it('scans to exactly the reviewed result', () => {
    const expected = JSON.parse(readFileSync(`${sample}expected-scan.json`, 'utf8'));
    const result = scanPaths([sample], context);
    const local = <T extends { file: string }>(entry: T): T => ({
      ...entry,
      file: relative(sample, entry.file),
    });
    expect({
      files: result.files,
      lines: result.lines,
      calls: result.calls.map(local),
      unresolved: result.unresolved.map(local),
    }).toEqual(expected);
  });

  it('gives the same result without the prefilter', () => {
    const result = scanPaths([sample], context);
    expect(scanPaths([sample], { ...context, prefilter: false })).toEqual({
      ...result,
      parsed: result.files,
    });
  });
});
