/**
 * Scale simulation (issue 12), no network: membership traffic, CPU and
 * failure-detection time of the design as built (full membership over
 * gossipsub) and of the alternative a large mesh needs (partial views, SWIM
 * probing, owner lookup through kad-dht), at 32, 100, 1 000 and 10 000 peers.
 * Idle mesh, membership only: no gets, sets or invalidations. Figures are
 * arithmetic on the constants below; only the view's memory and the ring's
 * build time are measured here (~2 s of CPU). docs/scale.md presents them.
 */
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Heartbeat } from '../src/membership/heartbeat.js'
import { heartbeatPeriod } from '../src/membership/period.js'
import { Ring } from '../src/ownership/ring.js'
import { Sealer, gossipMacWith } from '../src/util/envelope.js'
import { encodeExact } from '../src/util/wire.js'
import { fmt, printTable, writeResult } from './lib/measure.js'

const SIZES = [32, 100, 1_000, 10_000]
// Defaults of createCache (README) and src/libp2p.ts.
const HEARTBEAT_MS = 1_000, MISSED = 3, VIRTUAL_IDS = 160
const D_HI = 3, D_LAZY = 2, GOSSIP_FACTOR = 0.05, GOSSIPSUB_HEARTBEAT_S = 1
const HISTORY_GOSSIP = 3 // gossipsub default: an IHAVE lists the ids of the last 3 gossipsub heartbeats' messages
const MONITOR_S = 120, MONITOR_TIMEOUT_S = 20 // connection monitor: ping interval, abort after
const PROBE_TIMEOUT_S = 2 // liveness.ts MAX_PROBE_MS: a probe nobody answers fails after this
const MAX_CONNECTIONS = { node: 300, browser: 100 } // libp2p 2.x connection manager defaults; meshcache keeps them
// Measured here (README, src/libp2p.ts, ../shared/LIBP2P-NOTES.md).
const COPY_MS = 0.25 // CPU per message copy per side: noise + yamux + framing
const PING_MS = 1 // CPU per connection-monitor ping, both ends together (a new stream on each)
const STREAM_MS = 0.55 // CPU to open a stream, per side
const CLOSE_PROBE_MS = 50, RTT_MS = 0.5 // a closed connection is probed after ~50 ms; the probe's refused dial costs a round trip
const DHT_ROUND_MS = [15, 21] // p50 of one getClosestPeers among 5 connected peers: one round of requests
const PUBLISH_HOP_MS = 2.3 // gossip publish → received, p50, 5 peers
// bench/scale.ts, idle 10 s. 32 peers (4 processes): issue 12's figures (run of 1847891: 657 B/s, 0.32 cores, 222 ms; of b49d239:
// 638 B/s, 0.31 cores, 240 ms); 470 copies/s mesh-wide from bench/README's profile. 100 peers (8 processes): the run of b49d239.
const MEASURED = [
  { peers: 32, heartbeatBytes: 657, copies: 470, idleCores: 0.31, baseCores: 0.06, deadMs: [222, 240] },
  { peers: 100, heartbeatBytes: 467, copies: NaN, idleCores: 1.42, baseCores: NaN, deadMs: [2083, 2083] }
]
// The alternative: SWIM as memberlist runs it on a LAN (1 s period, 500 ms probe timeout, 3 indirect probers).
const SWIM_PERIOD_S = 1, SWIM_TIMEOUT_S = 0.5, INDIRECT = 3, KAD_K = 20

// A heartbeat as the bench's peers send it: one listen address (announced with /p2p/<id>), no mesh secret.
const PEER_ID = '12D3KooWHhSmDSMg8bkwNQt5PyGXzTfWHHpHZRH3HBzDWVyJ4EUU' // 52 characters, as every Ed25519 peer id
const addr = (port: number, ws = ''): string => `/ip4/10.0.0.1/tcp/${port}${ws}/p2p/${PEER_ID}`
const payload = (addrs: string[]): Uint8Array => encodeExact(Heartbeat.codec(), { role: 'owner', weight: 1, incarnation: BigInt(Date.now()), beat: 100n, addrs, keys: 600n, periodMs: 8_000 })
const mac = gossipMacWith(new Uint8Array(32))
const HB_BYTES = new Sealer(PEER_ID).seal('t', payload([addr(41234)])).byteLength
const HB_MAC_BYTES = new Sealer(PEER_ID, mac).seal('t', payload([addr(41234)])).byteLength
const HB_MAC_2_BYTES = new Sealer(PEER_ID, mac).seal('t', payload([addr(41234), addr(41235, '/ws')])).byteLength
// Wire bytes of one copy: gossipsub RPC { publish: [Message { data, topic }] } (tags and lengths ~8 B),
// its varint length, a yamux frame header (12 B), Noise's length and tag (18 B). TCP/IP headers not counted.
const TOPIC_BYTES = 'meshcache/default/members/1'.length, FRAMING = 2 + 12 + 18
const COPY_WIRE = HB_BYTES + 8 + TOPIC_BYTES + FRAMING
const MSG_ID_BYTES = 2 + 52 + 8 // envelope.ts: the id is kind, length, origin and seq
const ihaveWire = (ids: number): number => 8 + TOPIC_BYTES + ids * (MSG_ID_BYTES + 2) + FRAMING
const PING_WIRE = 200 // a monitor ping per direction: yamux SYN, multistream-select of /ipfs/ping/1.0.0, 32 B, FIN (estimate)
const PROBE_WIRE = 50 // a SWIM ping or ack on an open stream: ~20 B frame + framing, no piggybacked update (estimate)

// Measured here: a view entry shaped like Membership's (two addresses), and the time to build a Ring (after a warm-up).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heap = (): number => { gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers }
const h0 = heap()
const view = new Map<string, object>()
for (let i = 0; i < 10_000; i++) {
  const id = `12D3KooW${randomBytes(33).toString('hex').slice(0, 44)}`, ip = `10.0.${i >> 8}.${i & 255}`
  view.set(id, { peerId: id, role: 'owner', weight: 1, incarnation: Date.now() - i, addrs: [`/ip4/${ip}/tcp/4001/p2p/${id}`, `/ip4/${ip}/tcp/4002/ws/p2p/${id}`], lastSeen: Date.now(), keys: 1234, periodMs: 2_500_000 })
}
const MEMBER_BYTES = (heap() - h0) / view.size
const ringOf = (n: number): Ring => new Ring([...view.keys()].slice(0, n).map(peerId => ({ peerId, kadId: randomBytes(32), weight: 1 })), VIRTUAL_IDS)
ringOf(200)
const t0 = performance.now()
ringOf(2_000)
const RING_US_PER_ID = (performance.now() - t0) * 1000 / (2_000 * VIRTUAL_IDS)
const RING_BYTES_PER_ID = 3 * 4 + 32 // what a Ring keeps per virtual id: hi, lo, owner (Uint32Array) and the 32-byte id
const MB = 1e6, round = (x: number, d = 1): number => Number(x.toFixed(d))
/** The design as built, per peer and mesh-wide, for a full mesh of n peers. */
function asBuilt (n: number): Record<string, number> {
  const periodMs = heartbeatPeriod(HEARTBEAT_MS, n)
  // membership.ts ticks every heartbeatMs and beats at the first tick ≥ period - heartbeatMs/2.
  const beatEveryS = Math.ceil((periodMs - HEARTBEAT_MS / 2) / HEARTBEAT_MS) * HEARTBEAT_MS / 1000
  const meshHeartbeats = n / beatEveryS // every member beats once per period
  const received = (n - 1) / beatEveryS // distinct heartbeats each peer receives
  // Flood publish: the origin hands each heartbeat to all n - 1 peers it is connected to (full mesh);
  // each receiver forwards it to its mesh peers other than its source: about Dhi - 1 = 2 more copies.
  const copiesPerBeat = (n - 1) * D_HI
  const copiesIn = meshHeartbeats * copiesPerBeat / n // per peer; as many go out
  // IHAVE: each gossipsub heartbeat, to max(Dlazy, gossipFactor × non-mesh peers) peers (floored, as gossipsub slices);
  // the members topic always has ids in the window. Receivers already have every id (flood publish): no IWANT.
  const nonMesh = Math.max(0, n - 1 - D_HI)
  const ihaveOut = Math.min(nonMesh, Math.floor(Math.max(D_LAZY, GOSSIP_FACTOR * nonMesh))) / GOSSIPSUB_HEARTBEAT_S
  const ihaveIds = Math.min(5_000, meshHeartbeats * HISTORY_GOSSIP * GOSSIPSUB_HEARTBEAT_S)
  // Monitor: every peer pings each of its n - 1 connections every MONITOR_S, and answers as many.
  const pingsStarted = (n - 1) / MONITOR_S
  const gossipCores = (2 * copiesIn + 2 * ihaveOut) * COPY_MS / 1000 // sent and received, at COPY_MS each
  const pingCores = pingsStarted * PING_MS / 1000
  const wireIn = copiesIn * COPY_WIRE + ihaveOut * ihaveWire(ihaveIds) + 2 * pingsStarted * PING_WIRE // = wire out
  return {
    peers: n, periodS: periodMs / 1000, beatsOutPerPeer: 1 / beatEveryS, beatsInPerPeer: received, copiesInPerPeer: copiesIn, ihaveOutPerPeer: ihaveOut,
    heartbeatBytesInPerPeer: received * HB_BYTES, wireBytesInPerPeer: wireIn, gossipCoresPerPeer: gossipCores, pingCoresPerPeer: pingCores,
    connectionsPerPeer: n - 1, meshHeartbeats, meshCopies: copiesIn * n, meshIhaves: ihaveOut * n, meshPings: pingsStarted * n,
    meshWireBytes: wireIn * n, meshGossipCores: gossipCores * n, meshPingCores: pingCores * n,
    viewBytesPerPeer: (n - 1) * MEMBER_BYTES, ringBytesPerPeer: n * VIRTUAL_IDS * RING_BYTES_PER_ID, ringBuildSPerPeer: n * VIRTUAL_IDS * RING_US_PER_ID / 1e6
  }
}
/** Mean of the earlier of two independent uniform delays [a1, b1] and [a2, b2], on a grid. */
function meanMin (a1: number, b1: number, a2: number, b2: number, steps = 400): number {
  let sum = 0
  for (let i = 0; i < steps; i++) for (let j = 0; j < steps; j++) sum += Math.min(a1 + (b1 - a1) * (i + 0.5) / steps, a2 + (b2 - a2) * (j + 0.5) / steps)
  return sum / steps / steps
}
/** Detection by one observer, as built. */
function detection (n: number): Record<string, number> {
  const periodS = heartbeatPeriod(HEARTBEAT_MS, n) / 1000
  // Hung (or host gone without a reset): its last heartbeat arrived 0..1 period before the hang; silence must pass
  // missed × period, seen at the next tick (≤ heartbeatMs), then the probe times out.
  const hb = [(MISSED - 1) * periodS + PROBE_TIMEOUT_S, MISSED * periodS + HEARTBEAT_MS / 1000 + PROBE_TIMEOUT_S]
  // Or the monitor: its next ping is 0..MONITOR_S away and aborts 20 s later; the closed connection's probe dials a process
  // whose kernel accepts but which never answers the handshake, so it too fails at the probe timeout.
  const mon = [MONITOR_TIMEOUT_S + PROBE_TIMEOUT_S, MONITOR_S + MONITOR_TIMEOUT_S + PROBE_TIMEOUT_S]
  return {
    peers: n, periodS, crashMs: CLOSE_PROBE_MS + RTT_MS, hbMinS: hb[0], hbMaxS: hb[1], monitorMinS: mon[0], monitorMaxS: mon[1],
    hungMinS: Math.min(hb[0], mon[0]), hungMeanS: meanMin(hb[0], hb[1], mon[0], mon[1]), hungMaxS: Math.min(hb[1], mon[1])
  }
}
/** The alternative: K connections, a view of V, SWIM probing, owners found by kad-dht's getClosestPeers. */
function partial (n: number): Record<string, number> {
  const k = Math.min(n - 1, Math.max(KAD_K, Math.ceil(Math.log2(n)))) // K = max(log2 N, 20) connections, as kad-dht keeps
  // View = a kad routing table: ~20 peers per non-empty bucket, about log2(N/20) + 1 of them non-empty.
  const v = Math.min(n - 1, KAD_K * (Math.max(0, Math.ceil(Math.log2(n / KAD_K))) + 1))
  // Each period a peer pings one neighbour and gets its ack, and on average is pinged once and acks: 2 out, 2 in.
  // Indirect probes (3 ping-reqs, 3 pings, 3 acks, 3 relayed acks) happen only on a missed ack: not in an idle mesh.
  const probeMsgs = 4 / SWIM_PERIOD_S
  const pingsStarted = k / MONITOR_S // the connection monitor still pings the K connections
  const cores = (probeMsgs * COPY_MS + pingsStarted * PING_MS) / 1000
  // A hung member is probed by each of its K neighbours with chance 1/K per period: P(none in m periods) = (1-1/K)^(Km).
  const miss = Math.pow(1 - 1 / k, k)
  const firstProbeMeanS = SWIM_PERIOD_S / (1 - miss)
  const p99Periods = Math.ceil(Math.log(0.01) / Math.log(miss))
  const settleS = SWIM_TIMEOUT_S + SWIM_TIMEOUT_S // direct timeout, then the indirect probes' timeout
  // kad-dht: each round gains ~log2(20) bits of the id (20 per bucket); 20 disjoint paths ask a peer each per round,
  // over a new stream per request (stream open + request + answer, both sides).
  const rounds = Math.max(1, Math.ceil(Math.log2(n) / Math.log2(KAD_K)))
  const requests = Math.min(n - 1, KAD_K * rounds)
  return {
    peers: n, connectionsPerPeer: k, viewSize: v, probeMsgsPerPeer: probeMsgs, wireBytesInPerPeer: probeMsgs / 2 * PROBE_WIRE + 2 * pingsStarted * PING_WIRE, // half the probe messages come in
    coresPerPeer: cores, meshCores: cores * n, viewBytesPerPeer: v * MEMBER_BYTES,
    hungMeanS: firstProbeMeanS + settleS, hungP99S: p99Periods * SWIM_PERIOD_S + settleS,
    crashMs: CLOSE_PROBE_MS + RTT_MS, spreadMs: (Math.ceil(Math.log(n) / Math.log(k)) + 1) * PUBLISH_HOP_MS, // gossipsub over the K-graph
    lookupRounds: rounds, lookupMsP50Low: rounds * DHT_ROUND_MS[0], lookupMsP50High: rounds * DHT_ROUND_MS[1], lookupRequests: requests,
    lookupCpuMs: requests * 2 * (STREAM_MS + 2 * COPY_MS)
  }
}
const built = SIZES.map(asBuilt), detect = SIZES.map(detection), alt = SIZES.map(partial)
const kb = (b: number): string => fmt.int(b / 1000), c = (x: number): string => x.toFixed(x < 1 ? 4 : 1)
console.log(`heartbeat envelope: ${HB_BYTES} B as the bench sends it (1 address, no MAC), ${HB_MAC_BYTES} B with a MAC, ${HB_MAC_2_BYTES} B with a MAC and 2 addresses; ${COPY_WIRE} B per copy on the wire`)
console.log(`view entry ${fmt.int(MEMBER_BYTES)} B; ring ${RING_BYTES_PER_ID.toFixed(0)} B and ${RING_US_PER_ID.toFixed(2)} µs per virtual id (built here for 2 000 members × ${VIRTUAL_IDS})\n`)
console.log('design as built, per peer (full mesh, idle)')
printTable(['peers', 'period s', 'beats out/s', 'beats in/s', 'copies in/s', 'IHAVE out/s', 'heartbeat B/s in', 'wire kB/s in', 'gossip cores', 'ping cores', 'connections'],
  built.map(r => [r.peers, fmt.int(r.periodS), r.beatsOutPerPeer.toFixed(4), r.beatsInPerPeer.toFixed(2), r.copiesInPerPeer.toFixed(1), fmt.int(r.ihaveOutPerPeer), fmt.int(r.heartbeatBytesInPerPeer), kb(r.wireBytesInPerPeer), c(r.gossipCoresPerPeer), c(r.pingCoresPerPeer), fmt.int(r.connectionsPerPeer)]))
console.log('\ndesign as built, mesh-wide')
printTable(['peers', 'heartbeats/s', 'copies/s', 'IHAVEs/s', 'monitor pings/s', 'wire MB/s', 'gossip cores', 'ping cores', 'total cores', 'view MB/peer', 'ring MB/peer', 'ring build s/peer'],
  built.map(r => [r.peers, fmt.int(r.meshHeartbeats), fmt.int(r.meshCopies), fmt.int(r.meshIhaves), fmt.int(r.meshPings), (r.meshWireBytes / MB).toFixed(2), c(r.meshGossipCores), c(r.meshPingCores), c(r.meshGossipCores + r.meshPingCores), (r.viewBytesPerPeer / MB).toFixed(2), (r.ringBytesPerPeer / MB).toFixed(1), r.ringBuildSPerPeer.toFixed(2)]))
const check = MEASURED.map(m => ({ m, r: built[SIZES.indexOf(m.peers)] })).map(({ m, r }) => ({ ...m, modelHeartbeatBytes: r.heartbeatBytesInPerPeer, modelCopies: r.meshCopies,
  modelCores: r.meshGossipCores + r.meshPingCores, modelHeartbeatCores: r.meshGossipCores, modelPingCores: r.meshPingCores, modelCrashMs: CLOSE_PROBE_MS + RTT_MS }))
const delta = (model: number, measured: number): string => Number.isNaN(measured) ? '—' : `${model >= measured ? '+' : ''}${Math.round((model / measured - 1) * 100)}%`
console.log('\nmodel against bench/scale.ts')
printTable(['peers', 'heartbeat B/s model', 'measured', 'Δ', 'copies/s model', 'measured', 'Δ', 'idle cores model (gossip + pings)', 'measured', 'Δ', 'heartbeat cores model', 'measured (idle - 0.06)', 'Δ', 'crash dead ms model', 'measured (all peers)'],
  check.map(m => [m.peers, fmt.int(m.modelHeartbeatBytes), fmt.int(m.heartbeatBytes), delta(m.modelHeartbeatBytes, m.heartbeatBytes), fmt.int(m.modelCopies), Number.isNaN(m.copies) ? '—' : m.copies, delta(m.modelCopies, m.copies), m.modelCores.toFixed(3), m.idleCores.toFixed(2), delta(m.modelCores, m.idleCores),
    m.modelHeartbeatCores.toFixed(3), Number.isNaN(m.baseCores) ? '—' : (m.idleCores - m.baseCores).toFixed(2), delta(m.modelHeartbeatCores, m.idleCores - m.baseCores), fmt.int(m.modelCrashMs), m.deadMs.join('-')]))
console.log('\ndetection by one observer, as built (s unless ms)')
printTable(['peers', 'period s', 'crash, connection drops ms', 'hung via heartbeats', 'hung via monitor', 'hung, first of the two (mean)'],
  detect.map(d => [d.peers, fmt.int(d.periodS), fmt.int(d.crashMs), `${fmt.int(d.hbMinS)}-${fmt.int(d.hbMaxS)}`, `${d.monitorMinS}-${d.monitorMaxS}`, `${fmt.int(d.hungMinS)}-${fmt.int(d.hungMaxS)} (${d.hungMeanS.toFixed(1)})`]))
console.log('\nalternative: partial views + SWIM (1 s period) + kad-dht owner lookup, per peer unless mesh')
printTable(['peers', 'connections', 'view', 'probe msgs/s', 'wire B/s in', 'cores', 'mesh cores', 'view kB', 'hung mean s', 'hung p99 s', 'crash ms', 'spread ms', 'lookup rounds', 'lookup ms (p50)', 'lookup requests', 'lookup CPU ms'],
  alt.map(a => [a.peers, a.connectionsPerPeer, a.viewSize, a.probeMsgsPerPeer, fmt.int(a.wireBytesInPerPeer), c(a.coresPerPeer), c(a.meshCores), kb(a.viewBytesPerPeer), a.hungMeanS.toFixed(1), a.hungP99S.toFixed(1), fmt.int(a.crashMs), fmt.int(a.spreadMs), a.lookupRounds, `${a.lookupMsP50Low}-${a.lookupMsP50High}`, a.lookupRequests, fmt.int(a.lookupCpuMs)]))

// Where full membership runs out: the smallest N at which each limit is reached (search over N).
const first = (test: (n: number) => boolean): number => { for (let n = 2; n <= 100_000; n++) if (test(n)) return n; return NaN }
const limits = {
  nodeMaxConnections: MAX_CONNECTIONS.node + 2, browserMaxConnections: MAX_CONNECTIONS.browser + 2, // N - 1 connections > the cap
  fdSoftLimit1024: first(n => n - 1 >= 1024), // one descriptor per connection (the process's other files make it sooner)
  monitorFasterThanHeartbeats: first(n => { const d = detection(n); return d.monitorMinS + d.monitorMaxS < d.hbMinS + d.hbMaxS }),
  pingsAboveGossip: first(n => { const r = asBuilt(n); return r.pingCoresPerPeer > r.gossipCoresPerPeer }),
  tenthOfACorePerPeer: first(n => { const r = asBuilt(n); return r.gossipCoresPerPeer + r.pingCoresPerPeer >= 0.1 }),
  halfACorePerPeer: first(n => { const r = asBuilt(n); return r.gossipCoresPerPeer + r.pingCoresPerPeer >= 0.5 }),
  ringBuildOneSecond: first(n => asBuilt(n).ringBuildSPerPeer >= 1),
  ring100MB: first(n => asBuilt(n).ringBytesPerPeer >= 100 * MB)
}
console.log('\nfirst N at which, as built:')
printTable(['limit', 'N'], Object.entries(limits).map(([k, n]) => [k, fmt.int(n)]))
console.log(`wrote ${writeResult('scale-sim', {
  constants: { HEARTBEAT_MS, MISSED, D_HI, D_LAZY, GOSSIP_FACTOR, MONITOR_S, MONITOR_TIMEOUT_S, PROBE_TIMEOUT_S, COPY_MS, PING_MS, STREAM_MS, CLOSE_PROBE_MS, RTT_MS, DHT_ROUND_MS, SWIM_PERIOD_S, SWIM_TIMEOUT_S, INDIRECT, KAD_K },
  sizes: { heartbeatBytes: HB_BYTES, heartbeatMacBytes: HB_MAC_BYTES, heartbeatMac2AddrBytes: HB_MAC_2_BYTES, copyWireBytes: COPY_WIRE, memberBytes: round(MEMBER_BYTES), ringBytesPerId: round(RING_BYTES_PER_ID), ringUsPerId: round(RING_US_PER_ID, 3) },
  asBuilt: built, detection: detect, partial: alt, check, limits
})}`)
