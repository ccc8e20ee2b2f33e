import { defaultRouteTable } from '../../src/core/routes/load.js';
import { defaultSdkMethods } from '../../src/core/routes/sdk-methods.js';
import { type ScanContext, type ScanResult, scanSource } from '../../src/scan/index.js';

/** The built-in route table and SDK method table. */
export const context: ScanContext = { sdkMethods: defaultSdkMethods(), routes: defaultRouteTable() };

/** `scanSource` with the built-in tables, checking that the prefilter changes nothing. */
export function scan(code: string, filename = 'app.ts'): ScanResult {
  const result = scanSource(code, filename, context);
  expect(scanSource(code, filename, { ...context, prefilter: false })).toEqual(result);
  return result;
}

/** `via operation [expand]` per call, for compact assertions. */
export function ops(result: ScanResult): string[] {
  return result.calls.map(
    (call) => `${call.via} ${call.operation}${call.expand.length > 0 ? ` [${call.expand.join(', ')}]` : ''}`,
  );
}

/** `code via` per unresolved entry. */
export function problems(result: ScanResult): string[] {
  return result.unresolved.map((entry) => `${entry.code} ${entry.via ?? ''}`.trim());
}

import { expect } from 'vitest';
