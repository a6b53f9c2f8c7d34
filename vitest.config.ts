import { defineConfig } from 'vitest/config'

// Fault tests kill and start peer processes and time what they see: run with
// other files on 2 cores they measured the load, not meshcache (the churn
// test managed half its kills and starts in CI). They run last, one at a time.
const ALONE = ['test/faults/**/*.test.ts', 'test/mesh/merge.test.ts', 'test/mesh/mdns.test.ts']

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // Mesh tests start libp2p nodes and child processes; two cores cannot run many at once.
          maxWorkers: 2,
          sequence: { groupOrder: 0 }
        }
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
