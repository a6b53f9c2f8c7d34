/** Pools of this size serve the small allocations. */
const POOL_BYTES = 16 * 1024
/** Larger ones get an array of their own. */
const MAX_POOLED = 2 * 1024

let pool = new Uint8Array(POOL_BYTES)
let used = 0

/**
 * A zero-filled byte array of `length` bytes, carved from a shared pool when
 * small. A typed array over 64 bytes gets a backing store of its own, which
 * cost ~640 ns to allocate and collect where a view into a pool costs ~50
 * (measured here, Node 20), and every write and read of a value makes one.
 * Node's Buffer.allocUnsafe pools the same way; this works in browsers too.
 * A view keeps its whole pool alive: whoever keeps one long, among many
 * short-lived ones, should copy it (NearCache does, for views into frames).
 */
export function allocBytes (length: number): Uint8Array {
  if (length > MAX_POOLED) return new Uint8Array(length)
  if (used + length > POOL_BYTES) {
    pool = new Uint8Array(POOL_BYTES)
    used = 0
  }
  const bytes = pool.subarray(used, used + length)
  // Eight-byte steps keep every view aligned for a DataView's wide reads.
  used = (used + length + 7) & ~7
  return bytes
}

/** The bytes in an array of their own when they are a small view into a larger buffer (a frame's), so keeping them keeps nothing else. */
export function compacted (bytes: Uint8Array): Uint8Array {
  if (bytes.buffer.byteLength <= POOL_BYTES || bytes.byteLength * 2 >= bytes.buffer.byteLength) return bytes
  const own = allocBytes(bytes.byteLength)
  own.set(bytes)
  return own
}
