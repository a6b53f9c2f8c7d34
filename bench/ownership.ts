/**
 * Suite 4 — balance and movement: rings built as a peer builds them from its
 * membership view (real Ed25519 peer ids, kadId = sha256 of the multihash,
 * DEFAULT_VIRTUAL_IDS per owner) at 4, 16 and 64 peers, 100k keys, 5 fresh
 * views per size. Reports the hottest peer's primary-owner load over the
 * mean, and the share of keys whose owners change when one peer joins.
 * Baselines in the same run: the ideal share (R/(N+1)) and plain Kademlia
 * (one id per peer, V = 1). Targets: max/mean ≤ 1.15 at 16 peers; moved
 * primary ≤ 1.2/N.
 * (bench/balance.ts is the sweep over V that chose DEFAULT_VIRTUAL_IDS.)
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DEFAULT_VIRTUAL_IDS, Ring, kadIdOfKey, kadIdOfPeer } from '../src/ownership/index.js'
import { fmt, printTable, writeResult } from './lib/measure.js'
import type { RingMember } from '../src/ownership/index.js'

const SIZES = [4, 16, 64]
const VIEWS = 5
const KEYS = 100_000
const REPLICAS = 2

async function member (): Promise<RingMember> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { peerId: peerId.toString(), kadId: kadIdOfPeer(peerId.toMultihash().bytes), weight: 1 }
}

const keys = Array.from({ length: KEYS }, (_, i) => kadIdOfKey('bench', 'default', `key:${i}`))

function measure (members: RingMember[], newcomer: RingMember, v: number): { maxOverMean: number, movedPrimary: number, movedSet: number } {
  const before = new Ring(members, v)
  const after = new Ring([...members, newcomer], v)
  const load = new Map<string, number>()
  let movedPrimary = 0
  let movedSet = 0
  for (const key of keys) {
    const was = before.owners(key, REPLICAS)
    const now = after.owners(key, REPLICAS)
    load.set(was[0], (load.get(was[0]) ?? 0) + 1)
    if (was[0] !== now[0]) movedPrimary++
    if (!was.every(p => now.includes(p))) movedSet++
  }
  return { maxOverMean: Math.max(...load.values()) / (KEYS / members.length), movedPrimary: movedPrimary / KEYS, movedSet: movedSet / KEYS }
}

const rows = []
for (const peers of SIZES) {
  for (const v of [DEFAULT_VIRTUAL_IDS, 1]) {
    const views: Array<ReturnType<typeof measure>> = []
    for (let i = 0; i < VIEWS; i++) {
      const members = await Promise.all(Array.from({ length: peers }, member))
      views.push(measure(members, await member(), v))
    }
    const avg = (f: (r: typeof views[number]) => number): number => views.reduce((a, r) => a + f(r), 0) / views.length
    rows.push({
      peers,
      virtualIds: v,
      maxOverMeanWorst: Math.max(...views.map(r => r.maxOverMean)),
      maxOverMeanAvg: avg(r => r.maxOverMean),
      movedPrimary: avg(r => r.movedPrimary),
      idealPrimary: 1 / (peers + 1),
      limitPrimary: 1.2 / peers,
      movedSet: avg(r => r.movedSet),
      idealSet: Math.min(1, REPLICAS / (peers + 1))
    })
  }
}
console.log(`balance and movement: ${KEYS / 1000}k keys, ${VIEWS} views per size, replicas ${REPLICAS}; moved = share of keys whose owners change when one peer joins`)
printTable(['peers', 'V', 'max/mean worst', 'avg', 'moved primary', 'ideal 1/(N+1)', 'target 1.2/N', `moved R=${REPLICAS}`, `ideal ${REPLICAS}/(N+1)`],
  rows.map(r => [r.peers, r.virtualIds, r.maxOverMeanWorst.toFixed(3), r.maxOverMeanAvg.toFixed(3), r.movedPrimary.toFixed(4), r.idealPrimary.toFixed(4), r.limitPrimary.toFixed(4), r.movedSet.toFixed(4), r.idealSet.toFixed(4)]))
const at16 = rows.find(r => r.peers === 16 && r.virtualIds === DEFAULT_VIRTUAL_IDS)!
const kad16 = rows.find(r => r.peers === 16 && r.virtualIds === 1)!
console.log(`targets: max/mean at 16 peers ≤ 1.15: ${at16.maxOverMeanWorst.toFixed(3)} worst (plain Kademlia ${kad16.maxOverMeanWorst.toFixed(3)}, ${fmt.ratio(at16.maxOverMeanWorst / kad16.maxOverMeanWorst)}); ` +
  `moved primary ≤ 1.2/N: ${rows.filter(r => r.virtualIds === DEFAULT_VIRTUAL_IDS).map(r => `${r.peers} peers ${(r.movedPrimary * r.peers).toFixed(2)}/N`).join(', ')}`)
console.log(`wrote ${writeResult('ownership', { keys: KEYS, views: VIEWS, replicas: REPLICAS, virtualIds: DEFAULT_VIRTUAL_IDS, rows })}`)
