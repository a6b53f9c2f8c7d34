/**
 * Bench helpers for child processes: start a compiled bench script, wait for
 * the JSON line it prints when ready, and make sure it dies with the bench.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { ChildProcess } from 'node:child_process'

const children = new Set<ChildProcess>()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => { process.exit(130) })
}

export interface Started<T> {
  child: ChildProcess
  ready: T
  lines: AsyncIterable<string>
  /** Writes one JSON line to the child's stdin. */
  send: (message: unknown) => void
  /** The next JSON line the child prints. */
  next: <R>() => Promise<R>
}

/**
 * Runs `node <script> ...args` and resolves with the first JSON line it
 * prints, or the first line `readyOf` makes something of.
 */
export async function startChild<T> (script: string | URL, args: string[] = [], timeoutMs = 30_000,
  readyOf: (line: string) => T | undefined = jsonOf, env: NodeJS.ProcessEnv = process.env): Promise<Started<T>> {
  const path = typeof script === 'string' ? script : script.pathname
  // BENCH_CHILD_ARGS passes node flags (e.g. --cpu-prof) to the children only.
  const flags = (process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...flags, path, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env })
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  const lines = createInterface({ input: child.stdout! })
  const iterator = lines[Symbol.asyncIterator]()
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${path} was not ready within ${timeoutMs} ms`)) }, timeoutMs)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`${path} exited with ${String(code)}`)) })
    const next = (): void => {
      iterator.next().then(({ value, done }) => {
        if (done === true) return
        const message = readyOf(value)
        if (message === undefined) { next(); return } // a log line
        clearTimeout(timer)
        resolve(message)
      }, reject)
    }
    next()
  })
  return {
    child,
    ready,
    lines: { [Symbol.asyncIterator]: () => iterator },
    send: message => { child.stdin!.write(JSON.stringify(message) + '\n') },
    next: async <R>() => {
      for (;;) {
        const { value, done } = await iterator.next()
        if (done === true) throw new Error(`${path} exited`)
        try { return JSON.parse(value) as R } catch { /* a log line */ }
      }
    }
  }
}

function jsonOf<T> (line: string): T | undefined {
  try { return JSON.parse(line) as T } catch { return undefined }
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild (child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const gone = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await gone
  clearTimeout(timer)
}
