import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogDestination, type LogDestination } from '../../src/cli/log-destination.js';

/** A fake `writeSync` that records what reached the descriptor, and can misbehave on cue. */
function recorder() {
  const written: Buffer[] = [];
  const plan: Array<'eagain' | number | 'epipe'> = [];
  const writeSync = (fd: number, bytes: Buffer, offset: number): number => {
    expect(fd).toBe(7);
    const next = plan.shift();
    if (next === 'eagain') throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    if (next === 'epipe') throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
    const count = Math.min(next ?? Number.POSITIVE_INFINITY, bytes.length - offset);
    written.push(Buffer.from(bytes.subarray(offset, offset + count)));
    return count;
  };
  return { written, plan, writeSync, text: () => Buffer.concat(written).toString('utf8') };
}

describe('the log destination', () => {
  const open: LogDestination[] = [];
  afterEach(() => {
    for (const destination of open.splice(0)) destination.end();
    vi.useRealTimers();
  });

  it('joins lines and writes them in one call once the buffer is full', () => {
    const fake = recorder();
    const destination = createLogDestination(7, { bufferSize: 32, writeSync: fake.writeSync });
    open.push(destination);
    destination.write('{"a":1}\n');
    destination.write('{"b":2}\n');
    expect(fake.written).toHaveLength(0);
    destination.write('{"c":"a longer line"}\n');
    expect(fake.written).toHaveLength(1);
    expect(fake.text()).toBe('{"a":1}\n{"b":2}\n{"c":"a longer line"}\n');
  });

  it('writes what waits at least every flush interval, and on flush with pino’s callback', () => {
    vi.useFakeTimers();
    const fake = recorder();
    const destination = createLogDestination(7, { flushIntervalMs: 1000, writeSync: fake.writeSync });
    open.push(destination);
    destination.write('one\n');
    vi.advanceTimersByTime(999);
    expect(fake.text()).toBe('');
    vi.advanceTimersByTime(1);
    expect(fake.text()).toBe('one\n');
    destination.write('two\n');
    const done = vi.fn();
    destination.flush(done);
    expect(fake.text()).toBe('one\ntwo\n');
    expect(done).toHaveBeenCalledOnce();
  });

  it('retries a full non-blocking pipe and finishes partial writes without splitting characters', () => {
    const fake = recorder();
    const destination = createLogDestination(7, { writeSync: fake.writeSync });
    open.push(destination);
    fake.plan.push('eagain', 3, 'eagain', 2);
    destination.write('{"name":"Zoë ✓"}\n');
    destination.flush();
    expect(fake.written.length).toBe(3);
    expect(fake.text()).toBe('{"name":"Zoë ✓"}\n');
  });

  it('writes whole lines, at most 4096 bytes a write (atomic on a pipe)', () => {
    const fake = recorder();
    const destination = createLogDestination(7, { bufferSize: 1 << 20, writeSync: fake.writeSync });
    open.push(destination);
    const lines = [1500, 1500, 1500, 3000, 200].map((size, i) => `${String(i).repeat(size)}\n`);
    for (const line of lines) destination.write(line);
    destination.flush();
    expect(fake.text()).toBe(lines.join(''));
    expect(fake.written.map((chunk) => chunk.length)).toEqual([3002, 1501, 3202]);
    for (const chunk of fake.written) expect(chunk.at(-1)).toBe(10);
  });

  it('gives up quietly on a closed descriptor, and writes at once after end', () => {
    const fake = recorder();
    const destination = createLogDestination(7, { writeSync: fake.writeSync });
    fake.plan.push('epipe');
    destination.write('lost\n');
    expect(() => destination.flush()).not.toThrow();
    destination.end();
    destination.write('late\n');
    const [note, ...rest] = fake.text().split('\n');
    expect(JSON.parse(note!)).toMatchObject({ droppedLogLines: 1 }); // 'lost' is counted, and said
    expect(rest).toEqual(['late', '']);
    expect(destination.dropped).toBe(1);
  });

  it('drops lines instead of blocking when the reader stops reading, and says so once it reads again', () => {
    const fake = recorder();
    const destination = createLogDestination(7, { stallMs: 20, writeSync: fake.writeSync });
    open.push(destination);
    fake.plan.push(...Array<'eagain'>(10_000).fill('eagain'));
    destination.write('first\nsecond\n');
    destination.flush(); // waits up to stallMs, then gives up
    expect(destination.dropped).toBe(2);
    destination.write('third\n');
    destination.flush(); // the reader is still stalled: tried once, not waited on
    expect(destination.dropped).toBe(3);
    expect(fake.text()).toBe('');
    fake.plan.splice(0);
    destination.write('fourth\n');
    destination.flush();
    const [note, line, rest] = fake.text().split('\n');
    expect(JSON.parse(note!)).toMatchObject({ level: 'warn', droppedLogLines: 3 });
    expect([line, rest]).toEqual(['fourth', '']);
  });
});
