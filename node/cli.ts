#!/usr/bin/env node
// The polyfill must run before libp2p's modules are evaluated: keep it first.
import './polyfill.js'
import { readFileSync } from 'node:fs'
import { defaultLogger } from '@libp2p/logger'
import { Command, InvalidArgumentError, Option } from 'commander'
import { createCache } from './index.js'
import { createHttpApi, listenHttp } from './http.js'
import { loadOrCreateKey } from './identity.js'
import { startRelay } from './relay.js'
import type { MeshCache } from '../src/index.js'

/** This file runs as dist/node/cli.js: the package's package.json is two levels up. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * `meshcache relay | peer | get | set | del | status`. commander parses the
 * arguments: one well-kept parser, with --help for every command.
 */
const program = new Command('meshcache')
  .description('a peer-to-peer cache for Node services and browser tabs')
  .version(version)
  .showHelpAfterError()

const integer = (name: string) => (value: string): number => {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`)
  return n
}
const collect = (value: string, previous: string[] = []): string[] => [...previous, value]
const dnsOption = (): Option => new Option('--dns <name>', 'find peers through this DNS name\'s A/AAAA records, as name or name:port (port default 4001; repeatable)').argParser(collect)
const persistOption = (): Option => new Option('--persist <dir>', 'keep the store and this peer\'s identity in this directory: a restart is warm')
const mdnsOption = (): Option => new Option('--mdns', 'find peers on the local network by multicast DNS')
const persistOf = (dir: string | undefined): { persist?: { path: string } } => dir != null ? { persist: { path: dir } } : {}
/** `--dns` names and `--mdns` as createCache's discovery option. */
const discoveryOf = ({ dns, mdns }: { dns?: string[], mdns?: boolean }): { discovery?: { dns: string[], mdns: boolean } } =>
  dns != null || mdns === true ? { discovery: { dns: dns ?? [], mdns: mdns === true } } : {}
/** The environment variable keeps the secret out of `ps` and shell history; the flag is for quick trials. */
const secretOption = (): Option => new Option('--secret <secret>', 'mesh secret: only peers that prove it may join (prefer the environment variable)').env('MESHCACHE_SECRET')

program.command('relay')
  .description('start the bootstrap relay: a full cache peer with a circuit relay for browser tabs')
  .option('--listen <multiaddr>', 'address to listen on (repeatable; default /ip4/0.0.0.0/tcp/4001 and /ip4/0.0.0.0/tcp/4002/ws)', collect)
  .option('--http <port>', 'also serve the HTTP JSON API on 127.0.0.1:<port>', integer('--http'))
  .option('--key-file <path>', 'keep the relay identity here (created on first start; with --persist, the default is the directory\'s key)', 'meshcache-relay.key')
  .option('--mesh <name>', 'mesh name', 'default')
  .option('--max-reservations <n>', 'browser tabs that may hold a relay reservation at once', integer('--max-reservations'), 1000)
  .addOption(persistOption())
  .addOption(dnsOption())
  .addOption(mdnsOption())
  .addOption(secretOption())
  .action(async (opts: { listen?: string[], http?: number, keyFile: string, mesh: string, maxReservations: number, persist?: string, dns?: string[], mdns?: boolean, secret?: string }, command: Command) => {
    // A persist directory keeps its own key: the default key file would give the relay another identity.
    const keyFile = opts.persist != null && command.getOptionValueSource('keyFile') === 'default' ? undefined : opts.keyFile
    const cache = await startRelay({
      mesh: opts.mesh, listen: opts.listen, keyFile, maxReservations: opts.maxReservations, secret: opts.secret, ...discoveryOf(opts), ...persistOf(opts.persist)
    })
    await serve(cache, opts.http)
  })

program.command('peer')
  .description('start a plain member of a mesh')
  .option('--bootstrap <multiaddr>', 'peer to join through (repeatable); none starts a new mesh', collect)
  .option('--listen <multiaddr>', 'address to listen on (repeatable; default /ip4/0.0.0.0/tcp/0 and /ws)', collect)
  .option('--http <port>', 'also serve the HTTP JSON API on 127.0.0.1:<port>', integer('--http'))
  .option('--key-file <path>', 'keep this peer\'s identity here (created on first start)')
  .option('--mesh <name>', 'mesh name', 'default')
  .option('--replicas <n>', 'owners per key (1-5)', integer('--replicas'), 2)
  .addOption(new Option('--role <role>', 'owner or client').choices(['owner', 'client']).default('owner'))
  .addOption(persistOption())
  .addOption(dnsOption())
  .addOption(mdnsOption())
  .addOption(secretOption())
  .action(async (opts: { bootstrap?: string[], listen?: string[], http?: number, keyFile?: string, mesh: string, replicas: number, role: 'owner' | 'client', persist?: string, dns?: string[], mdns?: boolean, secret?: string }) => {
    const privateKey = opts.keyFile != null ? await loadOrCreateKey(opts.keyFile) : undefined
    const cache = await createCache({
      mesh: opts.mesh,
      bootstrap: opts.bootstrap,
      listen: opts.listen,
      replicas: opts.replicas,
      role: opts.role,
      secret: opts.secret,
      ...discoveryOf(opts),
      ...persistOf(opts.persist),
      libp2p: privateKey != null ? { privateKey } : {}
    })
    await serve(cache, opts.http)
  })

const api = (command: Command): Command => command
  .requiredOption('--api <url>', 'base URL of a peer\'s HTTP API, e.g. http://127.0.0.1:8080')
  .option('--keyspace <name>', 'keyspace (default: the default keyspace)')

api(program.command('get <key>').description('print the value of a key (exit 1 when absent)'))
  .action(async (key: string, opts: { api: string, keyspace?: string }) => {
    await request(opts.api, 'GET', `/api?${query({ key, keyspace: opts.keyspace })}`)
  })

api(program.command('set <key> <value>').description('set a key; the value is parsed as JSON, else taken as a string'))
  .option('--ttl <ms>', 'time to live in ms', integer('--ttl'))
  .action(async (key: string, value: string, opts: { api: string, keyspace?: string, ttl?: number }) => {
    await request(opts.api, 'POST', '/api', { key, data: parseValue(value), keyspace: opts.keyspace, ttlMs: opts.ttl })
  })

api(program.command('del <key>').description('delete a key (exit 1 when absent)'))
  .action(async (key: string, opts: { api: string, keyspace?: string }) => {
    await request(opts.api, 'DELETE', `/api?${query({ key, keyspace: opts.keyspace })}`)
  })

program.command('status').description('print a peer\'s status')
  .requiredOption('--api <url>', 'base URL of a peer\'s HTTP API')
  .action(async (opts: { api: string }) => { await request(opts.api, 'GET', '/status') })

/** Prints the dialable addresses, one per line, and runs until SIGINT/SIGTERM. */
async function serve (cache: MeshCache, httpPort: number | undefined): Promise<void> {
  const http = httpPort != null ? createHttpApi(cache) : undefined
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await http?.close()
    await cache.stop()
    process.exit(0)
  }
  // Before anything is printed: whoever reads the addresses may signal at once,
  // and a signal with no handler yet kills the process without a clean stop.
  process.once('SIGINT', () => { void stop() })
  process.once('SIGTERM', () => { void stop() })
  const url = http != null ? await listenHttp(http, httpPort!) : undefined
  for (const addr of cache.multiaddrs) process.stdout.write(addr + '\n')
  if (url != null) process.stderr.write(`http api on ${url}\n`)
}

async function request (base: string, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  ;(response.ok ? process.stdout : process.stderr).write(text + '\n')
  if (!response.ok) process.exitCode = 1
}

function query (params: Record<string, string | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, value)
  return search.toString()
}

/** For lines outside any node (a value that is not JSON, a command that failed): libp2p's default logger. */
const log = defaultLogger().forComponent('meshcache:cli')

function parseValue (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    log.trace('the value is not JSON (%s): sent as a string', (err as Error).message)
    return text
  }
}

program.parseAsync().catch((err: Error) => {
  log.error('%e', err)
  process.stderr.write(`meshcache: ${err.message}\n`)
  process.exit(1)
})
