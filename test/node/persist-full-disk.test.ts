import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { FAST, LOOPBACK } from '../helpers/cluster.js'

/**
 * A persist directory on a 1 MiB tmpfs, given 3 MB: the disk fills for
 * real (ENOSPC from the kernel, through LevelDB). Needs root for the mount;
 * without it the test fails and says why. MESHCACHE_TMPFS=0 skips it knowingly.
 */
const skip = process.env.MESHCACHE_TMPFS === '0'

describe.skipIf(skip)('persist on a full disk', () => {
  let dir = ''
  let mounted = false

  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error(`the full-disk test mounts a tmpfs, which needs root (uid ${String(process.getuid?.())}); set MESHCACHE_TMPFS=0 to skip it knowingly`)
    dir = mkdtempSync(join(tmpdir(), 'meshcache-full-'))
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' })
    if (mount.error != null || mount.status !== 0) throw new Error(`mount -t tmpfs failed: ${mount.error?.message ?? mount.stderr.trim()}`)
    mounted = true
  })

  afterAll(() => {
    if (mounted) spawnSync('umount', [dir])
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it('logs and counts the writes that fail, and the peer serves every key from memory', async () => {
    const cache = await createCache({ ...FAST, listen: LOOPBACK, persist: { path: join(dir, 'store') } })
    try {
      // Random text: LevelDB's compression cannot fit it in the space it has.
      const entries = Array.from({ length: 200 }, (_, i): [string, string] => [`k${i}`, randomBytes(12_000).toString('base64')])
      await cache.setMany(entries)
      await expect.poll(async () => (await cache.status()).persist?.failures, { timeout: 15_000 }).toBeGreaterThan(0)
      expect((await cache.status()).persist?.pending).toBeGreaterThan(0)
      expect(await cache.getMany(entries.map(([k]) => k))).toEqual(entries.map(([, v]) => v))
      await cache.set('after', 'still serving')
      expect(await cache.get('after')).toBe('still serving')
    } finally {
      await cache.stop()
    }
  })
})
