/**
 * Every error meshcache raises on purpose is a MeshCacheError with a stable
 * `code`; callers branch on the code, never on the message. This file is the
 * one leaf every part may import.
 */
export const ErrorCodes = {
  /** The key is empty, not a string, or longer than 1024 bytes of UTF-8. */
  INVALID_KEY: 'ERR_INVALID_KEY',
  /** The value is not JSON-compatible (or a Uint8Array) and could not round-trip exactly. */
  NOT_SERIALIZABLE: 'ERR_NOT_SERIALIZABLE',
  /** The encoded value is larger than `maxValueBytes`. */
  VALUE_TOO_LARGE: 'ERR_VALUE_TOO_LARGE',
  /** A TTL is negative, not an integer, or not a number. */
  INVALID_TTL: 'ERR_INVALID_TTL',
  /** An option passed to createCache or keyspace() is out of range or of the wrong type. */
  INVALID_OPTION: 'ERR_INVALID_OPTION',
  /** The cache was stopped (or is stopping). */
  CLOSED: 'ERR_CLOSED',
  /** A peer did not answer within the request timeout. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** No owner of the key could be reached. */
  UNAVAILABLE: 'ERR_UNAVAILABLE',
  /** getOrLoad found no value and no loader, here or on the keyspace. */
  NO_LOADER: 'ERR_NO_LOADER',
  /** The loader of another asker (or ours) threw; the message is the loader's. */
  LOADER_FAILED: 'ERR_LOADER_FAILED',
  /** A frame from a peer was larger than the frame bound. */
  FRAME_TOO_LARGE: 'ERR_FRAME_TOO_LARGE',
  /** A frame from a peer could not be decoded or made no sense. */
  MALFORMED_FRAME: 'ERR_MALFORMED_FRAME',
  /** A peer answered with an error of its own (the message says which). */
  REMOTE: 'ERR_REMOTE',
  /** A mesh secret is set and the peer did not prove it (or this peer could not prove it to the peer). */
  UNAUTHORIZED: 'ERR_UNAUTHORIZED',
  /** `persist`: the directory is not a meshcache store, or its database would not open or read. */
  PERSIST: 'ERR_PERSIST',
  /** A peer went over a limit (requests in flight, invalidations per second): it is reset and penalized. */
  LIMIT_EXCEEDED: 'ERR_LIMIT_EXCEEDED'
} as const

export type ErrorCode = typeof ErrorCodes[keyof typeof ErrorCodes]

export class MeshCacheError extends Error {
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MeshCacheError'
    this.code = code
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes))

/** Rebuilds an error received from a peer, keeping its code when it is one of ours. */
export function fromRemote (code: string, message: string): MeshCacheError {
  return new MeshCacheError(KNOWN_CODES.has(code) ? code as ErrorCode : ErrorCodes.REMOTE, message)
}

export function isMeshCacheError (err: unknown): err is MeshCacheError {
  return err instanceof MeshCacheError
}
