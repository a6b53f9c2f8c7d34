import { existsSync, readFileSync } from 'node:fs'
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/**
 * Prints the closing line CI reads, counting the vitest run that came before
 * (test/summary-reporter.ts leaves its counts in test-results/vitest.json).
 */
export default class SummaryReporter implements Reporter {
  private passed = 0
  private failed = 0
  private skipped = 0

  onTestEnd (_test: TestCase, result: TestResult): void {
    if (result.status === 'passed') this.passed++
    else if (result.status === 'skipped') this.skipped++
    else this.failed++
  }

  onEnd (_result: FullResult): void {
    const file = 'test-results/vitest.json'
    const earlier = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passed: 0, failed: 0, skipped: 0 }
    console.log(`\nbrowser tests: ${this.passed} passed, ${this.failed} failed`)
    const passed = earlier.passed + this.passed
    const failed = earlier.failed + this.failed
    const skipped = earlier.skipped + this.skipped
    console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
  }
}
