import { defineConfig } from 'vitest/config';
import { SummaryLineReporter } from './test/support/summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', new SummaryLineReporter()],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
