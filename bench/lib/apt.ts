/** A baseline's tools from Debian's apt, installed when missing and we are root. */
import { spawnSync } from 'node:child_process'

const APT_TIMEOUT_MS = 180_000

/** Whether every command is there, after installing `packages` if one is not. */
export function ensureCommands (commands: string[], packages: string[]): boolean {
  const has = (): boolean => spawnSync('sh', ['-c', commands.map(c => `command -v ${c}`).join(' && ')]).status === 0
  if (has()) return true
  if (process.getuid?.() !== 0) return false
  console.log(`installing ${packages.join(' and ')} with apt-get …`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = (): number | null => spawnSync('apt-get', ['install', '-y', ...packages], { stdio: 'ignore', env, timeout: APT_TIMEOUT_MS }).status
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: APT_TIMEOUT_MS })
    install()
  }
  return has()
}
