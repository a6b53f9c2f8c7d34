import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import type { CacheOptions } from '../../node/index.js'

const SCRIPT = fileURLToPath(new URL('./peer-process.mjs', import.meta.url))

export interface PeerProcess {
  peerId: string
  multiaddrs: string[]
  child: ChildProcess
  call: <T = unknown>(op: string, ...args: unknown[]) => Promise<T>
  /** Resolves when the process has exited. */
  exited: Promise<number | null>
}

/**
 * Starts a peer in a child process (from the built dist/, so `npm run build`
 * first) and resolves when it has joined. Every call is bounded by
 * `timeoutMs`; `killAll` ends whatever a test started. `prefix` runs node
 * through another command, e.g. `['ip', 'netns', 'exec', ns]`: that command
 * must exec node in its place, so that killing the child kills the peer.
 */
export async function spawnPeer (options: CacheOptions, timeoutMs = 20_000, prefix: string[] = []): Promise<PeerProcess> {
  const argv = [...prefix, process.execPath, SCRIPT, JSON.stringify(options)]
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] })
  started.add(child)
  const exited = new Promise<number | null>(resolve => child.once('exit', code => { started.delete(child); resolve(code) }))
  const waiting = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  let nextId = 1
  const ready = new Promise<{ peerId: string, multiaddrs: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('peer process did not start in time')) }, timeoutMs)
    createInterface({ input: child.stdout! }).on('line', line => {
      let message: any
      try { message = JSON.parse(line) } catch { return } // a stray log line, not a reply
      if (message.type === 'ready') { clearTimeout(timer); resolve(message); return }
      const pending = waiting.get(message.id)
      if (pending == null) return
      waiting.delete(message.id)
      if (message.error != null) pending.reject(Object.assign(new Error(message.error.message), { code: message.error.code }))
      else pending.resolve(message.undefined === true ? undefined : message.result)
    })
    void exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`peer process exited with ${code} before it was ready`))
      for (const pending of waiting.values()) pending.reject(new Error(`peer process exited with ${code}`))
      waiting.clear()
    })
  })
  const { peerId, multiaddrs } = await ready
  return {
    peerId,
    multiaddrs,
    child,
    exited,
    call: async (op, ...args) => new Promise((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`${op} timed out`)) }, timeoutMs)
      waiting.set(id, {
        resolve: v => { clearTimeout(timer); resolve(v) },
        reject: e => { clearTimeout(timer); reject(e) }
      })
      child.stdin!.write(JSON.stringify({ id, op, args }) + '\n')
    })
  }
}

const started = new Set<ChildProcess>()

/** SIGKILLs every peer process still running and waits for them to go. */
export async function killAll (): Promise<void> {
  await Promise.all([...started].map(async child => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await gone
  }))
}
