/**
 * Fuzzing run: the properties of test/fuzz (bench/fuzz-properties.ts) with
 * 1,000,000 cases in all, in batches of fresh seeds derived from one seed.
 * A failing batch counts one failure and prints its shrunk counterexample
 * with the seed and path that replay it: fc.assert(property, { seed, path }).
 * Stops at MAX_SECONDS and reports what ran.
 *
 * Run: npm run bench:fuzz [-- --seed <n> --cases <n>]. The shared harness carries a
 * little state from case to case (see Harness.reset), so a handler failure replays
 * surest with the whole run's seed.
 * Exit code: 0 when every case passed, 1 on a failure, 2 when time ran out first.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { channelProperty, decoderProperty, handlersProperty, releaseHarness, roundTripProperty } from './fuzz-properties.js'

const MAX_SECONDS = 300
const BATCH = 10_000

/**
 * Share of the cases each property gets. A handler or channel case drives a
 * whole peer (1-6 requests, then a set/get, a PING and the store's checks):
 * about 1 ms, eight times a decoder case, so they get fewer cases to fit the
 * run in about four minutes on one core.
 */
const PLAN: Array<{ name: string, share: number, property: fc.IProperty<any> | fc.IAsyncProperty<any> }> = [
  { name: 'decoder (hostile bytes)', share: 0.80, property: decoderProperty },
  { name: 'decoder (round trip)', share: 0.10, property: roundTripProperty },
  { name: 'handlers', share: 0.09, property: handlersProperty },
  { name: 'channel (garbage)', share: 0.01, property: channelProperty }
]

interface Row { property: string, cases: number, failures: number, seconds: number, casesPerSecond: number }
interface Failure { property: string, seed: number, path: string, counterexample: string, error: string }

function arg (name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`)
  if (at < 0) return undefined
  const value = Number(process.argv[at + 1])
  if (!Number.isSafeInteger(value)) throw new Error(`--${name} needs an integer`)
  return value
}

async function main (): Promise<void> {
  const seed = arg('seed') ?? Math.floor(Math.random() * 0x7fffffff)
  const total = arg('cases') ?? 1_000_000
  console.log(`fuzz: ${total.toLocaleString('en-US')} cases, seed ${seed} (replay: npm run bench:fuzz -- --seed ${seed})`)
  const deadline = performance.now() + MAX_SECONDS * 1000
  const rows: Row[] = []
  const failures: Failure[] = []
  let outOfTime = false

  for (const [index, { name, share, property }] of PLAN.entries()) {
    const want = Math.round(total * share)
    const row: Row = { property: name, cases: 0, failures: 0, seconds: 0, casesPerSecond: 0 }
    const started = performance.now()
    for (let batch = 0; row.cases < want && !outOfTime; batch++) {
      const batchSeed = (seed + index * 1_000_003 + batch * 7919) | 0
      const left = deadline - performance.now()
      const details = await fc.check(property, {
        seed: batchSeed,
        numRuns: Math.min(BATCH, want - row.cases),
        plugins: [fc.interruptAfterTimeLimit(Math.max(1, left))]
      })
      row.cases += details.numRuns
      if (details.interrupted) outOfTime = true
      if (details.failed) {
        row.failures++
        failures.push({
          property: name,
          seed: batchSeed,
          path: details.counterexamplePath ?? '',
          counterexample: fc.stringify(details.counterexample),
          error: String((details.errorInstance as Error)?.stack ?? details.errorInstance)
        })
        console.log(`\nFAILED ${name} (seed ${batchSeed}, path ${details.counterexamplePath ?? ''}):\n${fc.stringify(details.counterexample)}\n${String(details.errorInstance)}\n`)
      }
    }
    row.seconds = (performance.now() - started) / 1000
    row.casesPerSecond = row.cases / Math.max(row.seconds, 1e-9)
    rows.push(row)
    await releaseHarness()
  }

  printTable(rows)
  const cases = rows.reduce((sum, r) => sum + r.cases, 0)
  if (outOfTime) console.log(`\nstopped at the ${MAX_SECONDS} s bound after ${cases.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} cases`)
  const outFile = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'fuzz.json')
  mkdirSync(dirname(outFile), { recursive: true })
  writeFileSync(outFile, JSON.stringify({
    bench: 'fuzz', date: new Date().toISOString(), node: process.version, seed, cases, target: total, outOfTime, rows, failures
  }, null, 2) + '\n')
  console.log(`wrote ${outFile}`)
  process.exitCode = failures.length > 0 ? 1 : outOfTime ? 2 : 0
}

function printTable (rows: Row[]): void {
  const all = rows.reduce((t, r) => ({ ...t, cases: t.cases + r.cases, failures: t.failures + r.failures, seconds: t.seconds + r.seconds }),
    { property: 'total', cases: 0, failures: 0, seconds: 0, casesPerSecond: 0 })
  all.casesPerSecond = all.cases / Math.max(all.seconds, 1e-9)
  const cells = [...rows, all].map(r => [r.property, r.cases.toLocaleString('en-US'), String(r.failures), r.seconds.toFixed(1), Math.round(r.casesPerSecond).toLocaleString('en-US')])
  const head = ['property', 'cases', 'failures', 'seconds', 'cases/s']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i].length)))
  const line = (c: string[]): string => c.map((v, i) => i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i])).join('  ')
  console.log('\n' + line(head) + '\n' + widths.map(w => '-'.repeat(w)).join('  '))
  for (const c of cells) console.log(line(c))
}

main().catch(err => {
  console.error(err)
  process.exitCode = 1
})
