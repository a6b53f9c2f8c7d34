/**
 * Runs `fn` on the next macrotask. Work queued during one event-loop turn is
 * flushed together (one write per stream, one gossip message per batch).
 * Node has setImmediate; browsers clamp nested setTimeout(0) to 4 ms, so they
 * get a MessageChannel, which does not.
 */
type Task = () => void

const schedule: (fn: Task) => void = (() => {
  const g = globalThis as { setImmediate?: (fn: Task) => unknown }
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate
    return (fn: Task) => { setImmediate(fn) }
  }
  if (typeof MessageChannel === 'function') {
    const queue: Task[] = []
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      const tasks = queue.splice(0, queue.length)
      for (const task of tasks) task()
    }
    return (fn: Task) => {
      queue.push(fn)
      if (queue.length === 1) channel.port2.postMessage(null)
    }
  }
  return (fn: Task) => { setTimeout(fn, 0) }
})()

export function nextTurn (fn: Task): void {
  schedule(fn)
}
