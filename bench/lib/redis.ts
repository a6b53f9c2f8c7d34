/**
 * The Redis baseline: a redis-server started for the run (installed from
 * Debian's apt when missing and we are root) and redis-benchmark against it.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { ensureCommands } from './apt.js'
import { within } from './measure.js'

export interface RedisFigures { opsPerSec: number, p50Ms: number, p99Ms: number }

export function ensureRedis (): boolean {
  return ensureCommands(['redis-server', 'redis-benchmark', 'redis-cli'], ['redis-server', 'redis-tools'])
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

export interface Redis {
  bench: (test: 'get' | 'set', valueBytes: number, requests: number) => Promise<RedisFigures>
  /** Sends RESP commands through `redis-cli --pipe`, Redis' own bulk loader. */
  pipe: (commands: Uint8Array) => Promise<void>
  /** `used_memory` from INFO: what the allocator holds for the data set and the server. */
  usedMemory: () => Promise<number>
  stop: () => Promise<void>
}

export async function startRedis (): Promise<Redis> {
  const port = await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => server.once('exit', () => { resolve() }))
  await within(10_000, 'redis-server start', new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('Ready to accept connections')) resolve() })
    void exited.then(() => { reject(new Error('redis-server exited')) })
  }))
  server.stdout!.resume()
  const cli = async (args: string[], input?: Uint8Array): Promise<string> => await within(120_000, 'redis-cli', new Promise<string>((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), ...args], { stdio: [input == null ? 'ignore' : 'pipe', 'pipe', 'inherit'] })
    let text = ''
    child.stdout!.on('data', (chunk: Buffer) => { text += chunk.toString() })
    child.once('exit', code => { code === 0 ? resolve(text) : reject(new Error(`redis-cli ${args.join(' ')} exited with ${String(code)}`)) })
    child.stdin?.end(input)
  }))
  return {
    pipe: async commands => {
      const out = await cli(['--pipe'], commands)
      if (!/errors: 0,/.test(out)) throw new Error(`redis-cli --pipe reported errors: ${out.trim()}`)
    },
    usedMemory: async () => {
      const used = /^used_memory:(\d+)/m.exec(await cli(['info', 'memory']))
      if (used == null) throw new Error('INFO memory has no used_memory')
      return Number(used[1])
    },
    bench: async (test, valueBytes, requests) => {
      // -c 64 as the issue asks; -r spreads the keys; --csv gives p50/p99.
      const args = ['-p', String(port), '-c', '64', '-n', String(requests), '-d', String(valueBytes), '-r', '1000', '-t', test, '--csv']
      const out = await within(120_000, 'redis-benchmark', new Promise<string>((resolve, reject) => {
        const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'inherit'] })
        let text = ''
        child.stdout.on('data', (chunk: Buffer) => { text += chunk.toString() })
        child.once('exit', code => { code === 0 ? resolve(text) : reject(new Error(`redis-benchmark exited with ${String(code)}`)) })
      }))
      const row = out.trim().split('\n').map(line => line.split(',').map(cell => cell.replace(/"/g, ''))).find(cells => cells[0] === test.toUpperCase())
      if (row == null) throw new Error(`unexpected redis-benchmark output: ${out}`)
      return { opsPerSec: Number(row[1]), p50Ms: Number(row[4]), p99Ms: Number(row[6]) }
    },
    stop: async () => {
      server.kill('SIGTERM')
      await exited
    }
  }
}
