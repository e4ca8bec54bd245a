import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Test files run in parallel; a machine-wide GPU lock would serialise their CPU "GPU" jobs.
          env: { LABFORGE_GPU_LOCK: 'none' },
          include: [
            'electron/**/*.test.ts',
            'renderer/src/**/*.test.ts',
            'test/contract/**/*.test.ts',
            'test/integration/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          env: { LABFORGE_GPU_LOCK: 'none' },
          include: ['test/e2e/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
