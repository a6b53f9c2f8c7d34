import type { MeshNode } from '../src/index.js'
import type { Logger } from '@libp2p/interface'

/**
 * Resolves once the node advertises a /p2p-circuit address, i.e. its relay
 * reservation is in place; members learn how to reach a tab from the address
 * it announces when it joins. Gives up (with a log line) after `timeoutMs`: a tab that
 * got no reservation can still reach others, only not be reached first.
 */
export async function waitForRelayAddress (node: MeshNode, timeoutMs: number, log: Logger): Promise<void> {
  const circuit = (): string | undefined => node.getMultiaddrs().map(String).find(a => a.includes('/p2p-circuit'))
  const reserved = (): boolean => {
    const addr = circuit()
    if (addr != null) log('relay reservation in place: %s', addr)
    return addr != null
  }
  if (reserved()) return
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      node.removeEventListener('self:peer:update', check)
      resolve()
    }
    const check = (): void => { if (reserved()) done() }
    const timer = setTimeout(() => {
      log('no relay reservation after %d ms: joining without one (the address is announced once there is one)', timeoutMs)
      done()
    }, timeoutMs)
    node.addEventListener('self:peer:update', check)
  })
}
