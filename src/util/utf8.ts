/**
 * UTF-8 without TextEncoder.encode on hot paths: its call and the array it
 * allocates cost more than encoding a short string here. Lone surrogates
 * count, and are written, as U+FFFD, as TextEncoder does.
 */
const encoder = new TextEncoder()

export function utf8Length (text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { bytes += 2; i++ } else bytes += 2
  }
  return bytes
}

/** Writes `text` at `at`; `bytes` is its utf8Length, and `into` has room for it. */
export function writeUtf8 (text: string, bytes: number, into: Uint8Array, at: number): void {
  if (bytes === text.length) {
    for (let i = 0; i < bytes; i++) into[at + i] = text.charCodeAt(i)
  } else {
    encoder.encodeInto(text, into.subarray(at, at + bytes))
  }
}
