import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../src/cli/byte-size.js';

describe('parseByteSize (--decision-log-max-bytes)', () => {
  it('reads byte counts and decimal and binary units, in any case', () => {
    expect(parseByteSize('1048576', '--x')).toBe(1_048_576);
    expect(parseByteSize('512B', '--x')).toBe(512);
    expect(parseByteSize('64MiB', '--x')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('256mib', '--x')).toBe(256 * 1024 * 1024);
    expect(parseByteSize(' 1 GiB ', '--x')).toBe(1024 ** 3);
    expect(parseByteSize('500MB', '--x')).toBe(500_000_000);
    expect(parseByteSize('1.5KiB', '--x')).toBe(1536);
    expect(parseByteSize('2kb', '--x')).toBe(2000);
  });

  it('refuses what is not a positive size, naming the option', () => {
    for (const text of ['', '0', '-5', '64 MiBs', 'lots', '0.1B', 'MiB']) {
      expect(() => parseByteSize(text, '--decision-log-max-bytes')).toThrow(
        `--decision-log-max-bytes: \`${text}\` is not a size; use bytes or e.g. \`512KiB\`, \`64MiB\`, \`1GiB\`, \`500MB\``,
      );
    }
  });
});
