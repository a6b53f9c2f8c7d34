/**
 * Node 20 lacks Promise.withResolvers, which libp2p's dependencies call. This
 * module is imported first by the Node entry so it runs before any of them.
 */
const P = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void } }

if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T> () {
    let resolve!: (value: T) => void
    let reject!: (reason: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

export {}
