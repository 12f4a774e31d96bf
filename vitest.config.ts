import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Generous bounds so the suite stays green on a busy 2-core machine (two CPU hogs beside it):
    // no test or hook may depend on vitest's 10 s default. Simulated time never depends on these.
    // (An end-to-end test takes 10-25 s on a quiet machine; these bounds only catch a hang.)
    testTimeout: 180_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    // vitest's default (CPUs - 1) is one worker on a 2-core machine: the suite then runs serially
    // while each file's local cloud spends much of its time idle (an instant clock waits a few
    // real milliseconds of quiet before each jump). Two workers overlap that; measured green with
    // two workers under a load average of 15-20.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Fake credentials and a region so no test can ever reach a real AWS endpoint.
    env: {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  },
});
