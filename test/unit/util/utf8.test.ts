import { afterEach, describe, expect, it } from 'vitest'
import { useNativeUtf8, utf8Length, writeUtf8 } from '../../../src/util/utf8.js'

const texts = ['', 'user:1', 'x'.repeat(39), 'x'.repeat(40), JSON.stringify({ name: 'Ada Lovelace', born: 1815, tags: ['mathematics', 'engines'] }),
  'é'.repeat(60), '日本語のキー'.repeat(10), '😀'.repeat(30), `lone ${'\ud800'} surrogate ${'a'.repeat(40)}`, `${'b'.repeat(40)}\udfff`]

const encode = (text: string): Uint8Array => {
  const length = utf8Length(text)
  const out = new Uint8Array(length + 2).fill(0xaa)
  writeUtf8(text, length, out, 1)
  return out
}

describe('utf8Length and writeUtf8', () => {
  afterEach(() => { useNativeUtf8(undefined) })

  it('write what TextEncoder writes, lone surrogates as U+FFFD, and nothing past their length', () => {
    for (const text of texts) {
      const expected = new TextEncoder().encode(text)
      const out = encode(text)
      expect(out.subarray(1, -1), JSON.stringify(text)).toEqual(expected)
      expect([out[0], out[out.length - 1]]).toEqual([0xaa, 0xaa])
    }
  })

  it('give the same bytes with the platform\'s UTF-8 installed (as the Node entry does), which long strings go through', () => {
    const plain = texts.map(encode)
    let calls = 0
    const utf8Write = Buffer.prototype.utf8Write
    useNativeUtf8({
      byteLength: text => { calls++; return Buffer.byteLength(text) },
      write: (text, into, at, bytes) => { utf8Write.call(into, text, at, bytes) }
    })
    expect(texts.map(encode)).toEqual(plain)
    expect(calls).toBe(texts.filter(t => t.length >= 40).length)
  })
})
