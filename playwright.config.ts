import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from './bench/lib/chromium.js'

/**
 * Browser tests, with the Chromium the benches use (bench/lib/chromium.ts).
 * The demo app is served by `vite preview` from dist/demo (built by npm test).
 */
export const DEMO_PORT = Number(process.env.DEMO_PORT ?? 4173)

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  // Tabs are CPU-bound and the machine has two cores: one file at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  forbidOnly: true,
  reporter: [['list'], ['./test/browser/summary-reporter.ts']],
  outputDir: 'test-results/browser',
  use: {
    baseURL: `http://127.0.0.1:${DEMO_PORT}`,
    launchOptions: {
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS
    }
  },
  webServer: {
    command: `npx vite preview --mode demo --host 127.0.0.1 --port ${DEMO_PORT} --strictPort`,
    url: `http://127.0.0.1:${DEMO_PORT}/`,
    reuseExistingServer: false,
    timeout: 30_000
  }
})
