import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/emulator/memory-storage.js';
import { storageContract } from './storage-contract.js';

storageContract('memory', createMemoryStorage);

describe('createMemoryStorage', () => {
  it('freezes what it stores, so a handler that mutates a read object fails loudly', async () => {
    const storage = createMemoryStorage();
    const scope = { account: 'acct_1', livemode: false };
    await storage.put(scope, {
      type: 'customer',
      id: 'cus_1',
      created: 1,
      object: { id: 'cus_1', object: 'customer', metadata: { a: '1' } },
    });
    const stored = (await storage.get(scope, 'customer', 'cus_1')) as unknown as {
      metadata: Record<string, string>;
    };
    expect(() => {
      stored.metadata['a'] = '2';
    }).toThrow(TypeError);
  });
});
