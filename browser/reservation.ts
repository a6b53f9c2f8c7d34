import type { MeshNode } from '../src/index.js'

/**
 * Resolves once the node advertises a /p2p-circuit address, i.e. its relay
 * reservation is in place; members learn how to reach a tab from the address
 * it announces when it joins. Gives up quietly after `timeoutMs`: a tab that
 * got no reservation can still reach others, only not be reached first.
 */
export async function waitForRelayAddress (node: MeshNode, timeoutMs: number): Promise<void> {
  const reserved = (): boolean => node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))
  if (reserved()) return
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      node.removeEventListener('self:peer:update', check)
      resolve()
    }
    const check = (): void => { if (reserved()) done() }
    const timer = setTimeout(done, timeoutMs)
    node.addEventListener('self:peer:update', check)
  })
}
