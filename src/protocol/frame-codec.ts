/**
 * Frame <-> bytes, written out by hand for frame.proto: the same protobuf bytes
 * protons would write (test/unit/protocol/frame-codec.test.ts holds the two
 * side by side), at a fraction of the cost. protons' writer builds a list of
 * small operations per field and copies them out at the end, its reader
 * decodes every string in JS, and both go through 64-bit helper objects for
 * each uint64; on the request path that was a quarter of an owner's CPU and
 * a seventh of a reader's (bench/remote.ts profiles). Writing is in
 * frame-encode.ts, reading in frame-decode.ts.
 */
export { FrameFormatError } from './frame-wire.js'
export type { DecodeLimits } from './frame-wire.js'
export { encodeBody, encodeFramed, encodeFramedFrom } from './frame-encode.js'
export { decodeFrame } from './frame-decode.js'
