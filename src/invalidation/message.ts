/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, MaxLengthError, message } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Item {
  keyspace: string
  key: string
  version: bigint
}

export namespace Item {
  let _codec: Codec<Item>

  export const codec = (): Codec<Item> => {
    if (_codec == null) {
      _codec = message<Item>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.keyspace != null && obj.keyspace !== '')) {
          w.uint32(10)
          w.string(obj.keyspace)
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(18)
          w.string(obj.key)
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(24)
          w.uint64(obj.version)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          keyspace: '',
          key: '',
          version: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.keyspace = reader.string()
              break
            }
            case 2: {
              obj.key = reader.string()
              break
            }
            case 3: {
              obj.version = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      })
    }

    return _codec
  }

  export const encode = (obj: Partial<Item>): Uint8Array => {
    return encodeMessage(obj, Item.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Item>): Item => {
    return decodeMessage(buf, Item.codec(), opts)
  }
}

export interface Invalidation {
  incarnation: bigint
  seq: bigint
  items: Item[]
}

export namespace Invalidation {
  let _codec: Codec<Invalidation>

  export const codec = (): Codec<Invalidation> => {
    if (_codec == null) {
      _codec = message<Invalidation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.incarnation != null && obj.incarnation !== 0n)) {
          w.uint32(8)
          w.uint64(obj.incarnation)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if (obj.items != null) {
          for (const value of obj.items) {
            w.uint32(26)
            Item.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          incarnation: 0n,
          seq: 0n,
          items: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.incarnation = reader.uint64()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              if (opts.limits?.items != null && obj.items.length === opts.limits.items) {
                throw new MaxLengthError('Decode error - map field "items" had too many elements')
              }

              obj.items.push(Item.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.items$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      })
    }

    return _codec
  }

  export const encode = (obj: Partial<Invalidation>): Uint8Array => {
    return encodeMessage(obj, Invalidation.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invalidation>): Invalidation => {
    return decodeMessage(buf, Invalidation.codec(), opts)
  }
}
