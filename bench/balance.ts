/**
 * Ownership balance benchmark: picks DEFAULT_VIRTUAL_IDS from measurements.
 *
 * For each peer count and candidate V (virtual ids per peer) it measures, over random
 * peer ids and keys from fixed seeds:
 *   - max/mean keys per peer as primary owner (the hottest peer's load over the fair share),
 *   - the share of keys whose owner set changes when one peer joins (replicas 2 and 1),
 *     against the ideal replicas/(N+1) that a perfectly even ring would move,
 *   - ring build time and owners() throughput.
 * Then it takes the smallest V whose worst max/mean at 16 peers is <= 1.15.
 *
 * Run: npm run bench:balance (or node dist/bench/balance.js after a build).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ring, kadIdOfKey, kadIdOfPeer } from '../src/ownership/index.js'
import type { RingMember } from '../src/ownership/index.js'
import { prng } from './prng.js'

const PEER_COUNTS = [4, 16, 64]
const CANDIDATES = [1, 20, 50, 100, 160, 200, 256, 400]
const SEEDS = [1, 2, 3, 4, 5]
const KEYS = 100_000
const DECIDING_PEERS = 16
const MAX_OVER_MEAN = 1.15
const THROUGHPUT_CALLS = 100_000


function randomHex (rand: () => number, bytes: number): string {
  let s = ''
  for (let i = 0; i < bytes; i++) s += Math.floor(rand() * 256).toString(16).padStart(2, '0')
  return s
}

/** A peer with a sha2-256 multihash id (0x12 0x20 + 32 random bytes). */
function randomPeer (rand: () => number): RingMember {
  const mh = new Uint8Array(34)
  mh[0] = 0x12
  mh[1] = 0x20
  for (let i = 2; i < 34; i++) mh[i] = Math.floor(rand() * 256)
  return { peerId: 'peer-' + randomHex(rand, 8), kadId: kadIdOfPeer(mh), weight: 1 }
}

function sameSet (a: string[], b: string[]): boolean {
  return a.length === b.length && a.every(p => b.includes(p))
}

interface SeedResult {
  seed: number
  maxOverMean: number
  minOverMean: number
  moved2: number
  moved1: number
  buildMs: number
}

interface Row {
  peers: number
  virtualIds: number
  maxOverMeanWorst: number
  maxOverMeanAvg: number
  moved2: number
  ideal2: number
  moved1: number
  ideal1: number
  buildMs: number
  ownersPerSec: number
  seeds: SeedResult[]
}

function measureSeed (seed: number, peers: number, v: number, keys: Uint8Array[]): SeedResult {
  // Peer ids depend on (seed, peers) only, so every V is measured on the same peers.
  const rand = prng(seed * 1000 + peers)
  const members = Array.from({ length: peers }, () => randomPeer(rand))
  const newcomer = randomPeer(rand)

  const t0 = performance.now()
  const before = new Ring(members, v)
  const buildMs = performance.now() - t0
  const after = new Ring([...members, newcomer], v)

  const primary = new Map<string, number>(members.map(m => [m.peerId, 0]))
  let moved2 = 0
  let moved1 = 0
  for (const key of keys) {
    const was = before.owners(key, 2)
    const now = after.owners(key, 2)
    primary.set(was[0], (primary.get(was[0]) ?? 0) + 1)
    if (!sameSet(was, now)) moved2++
    if (was[0] !== now[0]) moved1++
  }
  const mean = keys.length / peers
  const counts = [...primary.values()]
  return {
    seed,
    maxOverMean: Math.max(...counts) / mean,
    minOverMean: Math.min(...counts) / mean,
    moved2: moved2 / keys.length,
    moved1: moved1 / keys.length,
    buildMs
  }
}

function throughput (peers: number, v: number, keys: Uint8Array[]): number {
  const rand = prng(99_000 + peers)
  const ring = new Ring(Array.from({ length: peers }, () => randomPeer(rand)), v)
  let sink = 0
  for (let i = 0; i < 10_000; i++) sink += ring.owners(keys[i % keys.length], 2).length
  const t0 = performance.now()
  for (let i = 0; i < THROUGHPUT_CALLS; i++) sink += ring.owners(keys[i % keys.length], 2).length
  const secs = (performance.now() - t0) / 1000
  if (sink === 0) throw new Error('owners() returned nothing')
  return THROUGHPUT_CALLS / secs
}

function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'meshcache') return dir
    const up = dirname(dir)
    if (up === dir) throw new Error('meshcache package.json not found above ' + fileURLToPath(import.meta.url))
    dir = up
  }
}

const fmt = (x: number, d = 3): string => x.toFixed(d)
const pad = (s: string | number, n: number): string => String(s).padStart(n)

function main (): void {
  const started = performance.now()
  const keysBySeed = new Map<number, Uint8Array[]>()
  for (const seed of SEEDS) {
    const rand = prng(seed)
    keysBySeed.set(seed, Array.from({ length: KEYS }, () => kadIdOfKey('bench', 'balance', 'k-' + randomHex(rand, 8))))
  }

  console.log(`ownership balance: ${KEYS} keys, seeds ${SEEDS.join(',')}, moved = share of keys whose owners change when 1 peer joins`)
  console.log([
    pad('peers', 5), pad('V', 4), pad('max/mean worst', 15), pad('avg', 6),
    pad('moved R=2', 10), pad('ideal', 6), pad('moved R=1', 10), pad('ideal', 6),
    pad('build ms', 9), pad('owners()/s', 11)
  ].join(' '))

  const rows: Row[] = []
  for (const peers of PEER_COUNTS) {
    for (const v of CANDIDATES) {
      const seeds = SEEDS.map(seed => measureSeed(seed, peers, v, keysBySeed.get(seed) as Uint8Array[]))
      const avg = (f: (s: SeedResult) => number): number => seeds.reduce((a, s) => a + f(s), 0) / seeds.length
      const row: Row = {
        peers,
        virtualIds: v,
        maxOverMeanWorst: Math.max(...seeds.map(s => s.maxOverMean)),
        maxOverMeanAvg: avg(s => s.maxOverMean),
        moved2: avg(s => s.moved2),
        ideal2: Math.min(1, 2 / (peers + 1)),
        moved1: avg(s => s.moved1),
        ideal1: 1 / (peers + 1),
        buildMs: avg(s => s.buildMs),
        ownersPerSec: throughput(peers, v, keysBySeed.get(SEEDS[0]) as Uint8Array[]),
        seeds
      }
      rows.push(row)
      console.log([
        pad(peers, 5), pad(v, 4), pad(fmt(row.maxOverMeanWorst), 15), pad(fmt(row.maxOverMeanAvg), 6),
        pad(fmt(row.moved2), 10), pad(fmt(row.ideal2), 6), pad(fmt(row.moved1), 10), pad(fmt(row.ideal1), 6),
        pad(fmt(row.buildMs, 2), 9), pad(Math.round(row.ownersPerSec).toLocaleString('en-US'), 11)
      ].join(' '))
    }
  }

  const deciding = rows.filter(r => r.peers === DECIDING_PEERS)
  const pick = deciding.find(r => r.maxOverMeanWorst <= MAX_OVER_MEAN)
  const chosen = pick ?? deciding.reduce((a, b) => (b.maxOverMeanWorst < a.maxOverMeanWorst ? b : a))
  const reason = pick != null
    ? `smallest V in [${CANDIDATES.join(', ')}] whose worst max/mean over seeds at ${DECIDING_PEERS} peers is <= ${MAX_OVER_MEAN}: ` +
      `${fmt(chosen.maxOverMeanWorst)} (avg ${fmt(chosen.maxOverMeanAvg)}), ${Math.round(chosen.ownersPerSec).toLocaleString('en-US')} owners()/s, ` +
      `build ${fmt(chosen.buildMs, 2)} ms` +
      deciding.filter(r => r.virtualIds < chosen.virtualIds).map(r => `; V=${r.virtualIds} worst ${fmt(r.maxOverMeanWorst)}`).join('')
    : `no V in [${CANDIDATES.join(', ')}] reached ${MAX_OVER_MEAN} at ${DECIDING_PEERS} peers; best is V=${chosen.virtualIds} with ${fmt(chosen.maxOverMeanWorst)}`
  console.log(`\nDEFAULT_VIRTUAL_IDS = ${chosen.virtualIds}: ${reason}`)

  const outDir = join(repoRoot(), 'bench', 'results')
  mkdirSync(outDir, { recursive: true })
  const outFile = join(outDir, 'balance.json')
  writeFileSync(outFile, JSON.stringify({
    bench: 'balance',
    date: new Date().toISOString(),
    node: process.version,
    keys: KEYS,
    seeds: SEEDS,
    candidates: CANDIDATES,
    criterion: { peers: DECIDING_PEERS, maxOverMean: MAX_OVER_MEAN },
    chosen: { virtualIds: chosen.virtualIds, reason },
    rows
  }, null, 2) + '\n')
  console.log(`wrote ${outFile} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

main()
