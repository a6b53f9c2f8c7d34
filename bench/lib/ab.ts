/**
 * ApacheBench (`ab`, from Debian's apache2-utils, installed with apt when
 * missing and we are root) and the figures of its report.
 */
import { spawn } from 'node:child_process'
import { ensureCommands } from './apt.js'

export interface AbFigures {
  requestsPerSec: number
  complete: number
  failed: number
  non2xx: number
  p50Ms: number
  p99Ms: number
}

export function ensureAb (): boolean {
  return ensureCommands(['ab'], ['apache2-utils'])
}

/** Runs `ab ...args` and parses its report; kills it past `timeoutMs`. */
export async function runAb (args: string[], timeoutMs: number): Promise<AbFigures> {
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn('ab', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`ab ${args.join(' ')} ${signal != null ? `killed (${signal}) after ${timeoutMs} ms` : `exited with ${String(code)}`}: ${err.trim()}`))
    })
  })
  return parseAb(text)
}

export function parseAb (text: string): AbFigures {
  const field = (label: string): number | undefined => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(text)
    return match == null ? undefined : Number(match[1])
  }
  // ab's percentiles are whole ms, one line each: "  99%     31".
  const percent = (p: number): number | undefined => {
    const match = new RegExp(`^\\s*${p}%\\s+(\\d+)`, 'm').exec(text)
    return match == null ? undefined : Number(match[1])
  }
  const figures = {
    requestsPerSec: field('Requests per second'),
    complete: field('Complete requests'),
    failed: field('Failed requests'),
    // ab prints this line only when some response was not a 2xx.
    non2xx: field('Non-2xx responses') ?? 0,
    p50Ms: percent(50),
    p99Ms: percent(99)
  }
  for (const [name, value] of Object.entries(figures)) {
    if (value === undefined || !Number.isFinite(value)) throw new Error(`no ${name} in ab's report:\n${text}`)
  }
  return figures as AbFigures
}
