/**
 * The browser-tabs demo: joins the mesh named in the URL
 * (`?bootstrap=<multiaddr>&mesh=<name>`, `&persist=1` to keep its store in
 * IndexedDB) and shows the peers, the keys this
 * tab owns, the owners of a typed key, get/set/delete, and invalidations.
 * Tests drive it through `window.cache` and `window.cacheReady`.
 */
import { createCache } from '../../browser/index.js'
import type { MeshCache } from '../../browser/index.js'

declare global {
  interface Window { cache?: MeshCache, cacheReady: Promise<MeshCache> }
}

const params = new URLSearchParams(location.search)
const $ = (id: string): HTMLElement => document.getElementById(id)!
const short = (id: string): string => `…${id.slice(-8)}`

window.cacheReady = createCache({
  mesh: params.get('mesh') ?? 'default',
  bootstrap: params.getAll('bootstrap'),
  replicas: Number(params.get('replicas') ?? 2),
  role: params.get('role') === 'client' ? 'client' : 'owner',
  heartbeatMs: Number(params.get('heartbeatMs') ?? 1000),
  requestTimeoutMs: Number(params.get('requestTimeoutMs') ?? 5000),
  webRTC: params.get('webrtc') !== '0',
  nearCache: { maxEntries: Number(params.get('nearEntries') ?? 10_000), maxStalenessMs: Number(params.get('nearStalenessMs') ?? 5_000) },
  // A reload (or the next tab) starts from what this tab kept in IndexedDB.
  persist: params.get('persist') === '1'
}).then(cache => {
  window.cache = cache
  wire(cache)
  return cache
})
window.cacheReady.catch(err => { $('state').textContent = `failed to join: ${(err as Error).message}` })

function wire (cache: MeshCache): void {
  $('state').textContent = `joined mesh "${params.get('mesh') ?? 'default'}"`
  $('self').textContent = cache.peerId
  const key = (): string => ($('key') as HTMLInputElement).value
  const show = (text: string): void => { $('result').textContent = text }
  const run = (op: () => Promise<unknown>) => () => {
    op().then(r => { show(JSON.stringify(r) ?? 'undefined') }, (err: Error & { code?: string }) => { show(`${err.code ?? 'error'}: ${err.message}`) })
      .finally(() => { void render(cache) })
  }
  $('get').addEventListener('click', run(async () => cache.get(key())))
  $('set').addEventListener('click', run(async () => {
    const raw = ($('value') as HTMLInputElement).value
    let value: unknown
    try { value = JSON.parse(raw) } catch { value = raw }
    await cache.set(key(), value as any)
    return 'ok'
  }))
  $('del').addEventListener('click', run(async () => cache.delete(key())))
  $('key').addEventListener('input', () => { void render(cache) })
  cache.addEventListener('invalidate', evt => {
    const { keyspace, key: k, owner } = (evt as CustomEvent).detail
    const item = document.createElement('li')
    item.textContent = `${new Date().toLocaleTimeString()} ${keyspace}/${k} by ${short(owner)}`
    $('log').prepend(item)
  })
  cache.addEventListener('member:join', () => { void render(cache) })
  cache.addEventListener('member:leave', () => { void render(cache) })
  setInterval(() => { void render(cache) }, 1000)
  void render(cache)
}

/** What the page showed last: an idle tab leaves the DOM alone (a relayout a second costs every tab CPU). */
let shown = ''

async function render (cache: MeshCache): Promise<void> {
  const status = await cache.status().catch(() => undefined)
  if (status == null) return
  const direct = new Set(cache.libp2p.getConnections().filter(c => c.remoteAddr.toString().includes('/webrtc')).map(c => c.remotePeer.toString()))
  const members = status.members.map(m => ({
    id: m.peerId,
    self: m.self === true,
    kind: m.addrs.some(a => a.includes('/p2p-circuit')) ? 'tab' : 'node',
    direct: direct.has(m.peerId)
  }))
  const owned = cache.localKeys()
  const k = ($('key') as HTMLInputElement).value
  const owners = k === '' ? '—' : cache.ownersOf(k).map(short).join(', ')
  const next = JSON.stringify([members, owned.length, owned.slice(0, 200), owners])
  if (next === shown) return
  shown = next
  $('peers').replaceChildren(...members.map(m => {
    const item = document.createElement('li')
    item.textContent = short(m.id)
    if (m.self) item.className = 'self'
    const kind = document.createElement('span')
    kind.className = 'kind'
    kind.textContent = m.kind
    item.append(kind, ...(m.direct ? [Object.assign(document.createElement('span'), { className: 'kind', textContent: 'webrtc' })] : []))
    return item
  }))
  $('peer-count').textContent = `(${members.length})`
  $('own-count').textContent = `(${owned.length})`
  $('owned').replaceChildren(...owned.slice(0, 200).map(key => Object.assign(document.createElement('li'), { textContent: key })))
  $('owners').textContent = owners
}
