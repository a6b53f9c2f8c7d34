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

export interface Heartbeat {
  role: string
  weight: number
  incarnation: bigint
  beat: bigint
  addrs: string[]
  leaving: boolean
  keys: bigint
  periodMs: number
  dead: Dead[]
}

export namespace Heartbeat {
  let _codec: Codec<Heartbeat>

  export const codec = (): Codec<Heartbeat> => {
    if (_codec == null) {
      _codec = message<Heartbeat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(10)
          w.string(obj.role)
        }

        if ((obj.weight != null && obj.weight !== 0)) {
          w.uint32(17)
          w.double(obj.weight)
        }

        if ((obj.incarnation != null && obj.incarnation !== 0n)) {
          w.uint32(24)
          w.uint64(obj.incarnation)
        }

        if ((obj.beat != null && obj.beat !== 0n)) {
          w.uint32(32)
          w.uint64(obj.beat)
        }

        if (obj.addrs != null) {
          for (const value of obj.addrs) {
            w.uint32(42)
            w.string(value)
          }
        }

        if ((obj.leaving != null && obj.leaving !== false)) {
          w.uint32(48)
          w.bool(obj.leaving)
        }

        if ((obj.keys != null && obj.keys !== 0n)) {
          w.uint32(56)
          w.uint64(obj.keys)
        }

        if ((obj.periodMs != null && obj.periodMs !== 0)) {
          w.uint32(64)
          w.uint32(obj.periodMs)
        }

        if (obj.dead != null) {
          for (const value of obj.dead) {
            w.uint32(74)
            Dead.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: '',
          weight: 0,
          incarnation: 0n,
          beat: 0n,
          addrs: [],
          leaving: false,
          keys: 0n,
          periodMs: 0,
          dead: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = reader.string()
              break
            }
            case 2: {
              obj.weight = reader.double()
              break
            }
            case 3: {
              obj.incarnation = reader.uint64()
              break
            }
            case 4: {
              obj.beat = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - map field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
              break
            }
            case 6: {
              obj.leaving = reader.bool()
              break
            }
            case 7: {
              obj.keys = reader.uint64()
              break
            }
            case 8: {
              obj.periodMs = reader.uint32()
              break
            }
            case 9: {
              if (opts.limits?.dead != null && obj.dead.length === opts.limits.dead) {
                throw new MaxLengthError('Decode error - map field "dead" had too many elements')
              }

              obj.dead.push(Dead.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.dead$
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

  export const encode = (obj: Partial<Heartbeat>): Uint8Array => {
    return encodeMessage(obj, Heartbeat.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Heartbeat => {
    return decodeMessage(buf, Heartbeat.codec(), opts)
  }
}

export interface Dead {
  peerId: string
  incarnation: bigint
}

export namespace Dead {
  let _codec: Codec<Dead>

  export const codec = (): Codec<Dead> => {
    if (_codec == null) {
      _codec = message<Dead>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.incarnation != null && obj.incarnation !== 0n)) {
          w.uint32(16)
          w.uint64(obj.incarnation)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          incarnation: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.incarnation = reader.uint64()
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

  export const encode = (obj: Partial<Dead>): Uint8Array => {
    return encodeMessage(obj, Dead.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Dead>): Dead => {
    return decodeMessage(buf, Dead.codec(), opts)
  }
}
