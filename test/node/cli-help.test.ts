import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { run, useCli } from './cli-helpers.js'

useCli()

describe('meshcache --help', () => {
  it.each([
    ['relay', ['--listen', '--http', '--key-file', '--mesh', '--max-reservations', '--secret', 'MESHCACHE_SECRET']],
    ['peer', ['--bootstrap', '--listen', '--http', '--key-file', '--mesh', '--replicas', '--role', '--secret', 'MESHCACHE_SECRET']],
    ['get', ['--api', '--keyspace']],
    ['set', ['--api', '--keyspace', '--ttl']],
    ['del', ['--api', '--keyspace']],
    ['status', ['--api']]
  ])('%s --help exits 0 and lists its options', async (command, options) => {
    const help = await run([command, '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain(`Usage: meshcache ${command}`)
    for (const option of options) expect(help.stdout).toContain(option)
  })

  it('the top-level help lists every command', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    for (const command of ['relay', 'peer', 'get', 'set', 'del', 'status']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'))
  })
})

describe('meshcache --version', () => {
  it('prints the version in package.json, and so does -V', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
    for (const flag of ['--version', '-V']) {
      const result = await run([flag])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toBe(`${version}\n`)
    }
  })
})
