import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Mesh tests start libp2p nodes and child processes; two cores cannot run many at once.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts']
  }
})
