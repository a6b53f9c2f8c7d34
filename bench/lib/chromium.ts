/**
 * How every browser run here starts Chromium (the benches and Playwright's
 * config): Debian's build or CHROMIUM_PATH, since Playwright's own download
 * cannot run on this machine; Playwright's bundled browser where it exists.
 */
import { existsSync } from 'node:fs'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns']

/** CHROMIUM_PATH, else Debian's chromium, else undefined (Playwright's own). */
export function chromiumPath (): string | undefined {
  return process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
}
