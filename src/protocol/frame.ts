/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Entry {
  keyspace: string
  key: string
  value: Uint8Array
  version: bigint
  expiresAt: bigint
  staleAt: bigint
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
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

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.value)
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(32)
          w.uint64(obj.version)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.expiresAt)
        }

        if ((obj.staleAt != null && obj.staleAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.staleAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          keyspace: '',
          key: '',
          value: uint8ArrayAlloc(0),
          version: 0n,
          expiresAt: 0n,
          staleAt: 0n
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
              obj.value = reader.bytes()
              break
            }
            case 4: {
              obj.version = reader.uint64()
              break
            }
            case 5: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 6: {
              obj.staleAt = reader.uint64()
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

  export const encode = (obj: Partial<Entry>): Uint8Array => {
    return encodeMessage(obj, Entry.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry => {
    return decodeMessage(buf, Entry.codec(), opts)
  }
}

export interface Member {
  peerId: string
  role: string
  weight: number
  incarnation: bigint
  addrs: string[]
}

export namespace Member {
  let _codec: Codec<Member>

  export const codec = (): Codec<Member> => {
    if (_codec == null) {
      _codec = message<Member>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(18)
          w.string(obj.role)
        }

        if ((obj.weight != null && obj.weight !== 0)) {
          w.uint32(25)
          w.double(obj.weight)
        }

        if ((obj.incarnation != null && obj.incarnation !== 0n)) {
          w.uint32(32)
          w.uint64(obj.incarnation)
        }

        if (obj.addrs != null) {
          for (const value of obj.addrs) {
            w.uint32(42)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          role: '',
          weight: 0,
          incarnation: 0n,
          addrs: []
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
              obj.role = reader.string()
              break
            }
            case 3: {
              obj.weight = reader.double()
              break
            }
            case 4: {
              obj.incarnation = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - map field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
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

  export const encode = (obj: Partial<Member>): Uint8Array => {
    return encodeMessage(obj, Member.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Member>): Member => {
    return decodeMessage(buf, Member.codec(), opts)
  }
}

export enum Op {
  NONE = 'NONE',
  GET = 'GET',
  SET = 'SET',
  DELETE = 'DELETE',
  EXPIRE = 'EXPIRE',
  LEASE = 'LEASE',
  FILL = 'FILL',
  JOIN = 'JOIN',
  HANDOFF = 'HANDOFF',
  LEAVE = 'LEAVE',
  KEYSPACES = 'KEYSPACES',
  DROP_KEYSPACE = 'DROP_KEYSPACE',
  PING = 'PING',
  INVALIDATE = 'INVALIDATE'
}

enum __OpValues {
  NONE = 0,
  GET = 1,
  SET = 2,
  DELETE = 3,
  EXPIRE = 4,
  LEASE = 5,
  FILL = 6,
  JOIN = 7,
  HANDOFF = 8,
  LEAVE = 9,
  KEYSPACES = 10,
  DROP_KEYSPACE = 11,
  PING = 12,
  INVALIDATE = 13
}

export namespace Op {
  export const codec = (): Codec<Op> => {
    return enumeration<Op>(__OpValues)
  }
}

export interface Frame {
  id: number
  response: boolean
  op: Op
  keyspace: string
  keys: string[]
  entries: Entry[]
  version: bigint
  expiresAt: bigint
  found: boolean[]
  lease: bigint
  canLoad: boolean
  errorCode: string
  errorMessage: string
  members: Member[]
  names: string[]
  waitMs: number
  mesh: string
  forwarded: boolean
  view: string
  epoch: bigint
  seq: bigint
  dead: Member[]
  settling: boolean
}

export namespace Frame {
  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.response != null && obj.response !== false)) {
          w.uint32(16)
          w.bool(obj.response)
        }

        if (obj.op != null && __OpValues[obj.op] !== 0) {
          w.uint32(24)
          Op.codec().encode(obj.op, w)
        }

        if ((obj.keyspace != null && obj.keyspace !== '')) {
          w.uint32(34)
          w.string(obj.keyspace)
        }

        if (obj.keys != null) {
          for (const value of obj.keys) {
            w.uint32(42)
            w.string(value)
          }
        }

        if (obj.entries != null) {
          for (const value of obj.entries) {
            w.uint32(50)
            Entry.codec().encode(value, w)
          }
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(56)
          w.uint64(obj.version)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(64)
          w.uint64(obj.expiresAt)
        }

        if (obj.found != null) {
          for (const value of obj.found) {
            w.uint32(72)
            w.bool(value)
          }
        }

        if ((obj.lease != null && obj.lease !== 0n)) {
          w.uint32(80)
          w.uint64(obj.lease)
        }

        if ((obj.canLoad != null && obj.canLoad !== false)) {
          w.uint32(88)
          w.bool(obj.canLoad)
        }

        if ((obj.errorCode != null && obj.errorCode !== '')) {
          w.uint32(98)
          w.string(obj.errorCode)
        }

        if ((obj.errorMessage != null && obj.errorMessage !== '')) {
          w.uint32(106)
          w.string(obj.errorMessage)
        }

        if (obj.members != null) {
          for (const value of obj.members) {
            w.uint32(114)
            Member.codec().encode(value, w)
          }
        }

        if (obj.names != null) {
          for (const value of obj.names) {
            w.uint32(122)
            w.string(value)
          }
        }

        if ((obj.waitMs != null && obj.waitMs !== 0)) {
          w.uint32(128)
          w.uint32(obj.waitMs)
        }

        if ((obj.mesh != null && obj.mesh !== '')) {
          w.uint32(138)
          w.string(obj.mesh)
        }

        if ((obj.forwarded != null && obj.forwarded !== false)) {
          w.uint32(144)
          w.bool(obj.forwarded)
        }

        if ((obj.view != null && obj.view !== '')) {
          w.uint32(154)
          w.string(obj.view)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(160)
          w.uint64(obj.epoch)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(168)
          w.uint64(obj.seq)
        }

        if (obj.dead != null) {
          for (const value of obj.dead) {
            w.uint32(178)
            Member.codec().encode(value, w)
          }
        }

        if ((obj.settling != null && obj.settling !== false)) {
          w.uint32(184)
          w.bool(obj.settling)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          response: false,
          op: Op.NONE,
          keyspace: '',
          keys: [],
          entries: [],
          version: 0n,
          expiresAt: 0n,
          found: [],
          lease: 0n,
          canLoad: false,
          errorCode: '',
          errorMessage: '',
          members: [],
          names: [],
          waitMs: 0,
          mesh: '',
          forwarded: false,
          view: '',
          epoch: 0n,
          seq: 0n,
          dead: [],
          settling: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.response = reader.bool()
              break
            }
            case 3: {
              obj.op = Op.codec().decode(reader)
              break
            }
            case 4: {
              obj.keyspace = reader.string()
              break
            }
            case 5: {
              if (opts.limits?.keys != null && obj.keys.length === opts.limits.keys) {
                throw new MaxLengthError('Decode error - map field "keys" had too many elements')
              }

              obj.keys.push(reader.string())
              break
            }
            case 6: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - map field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 7: {
              obj.version = reader.uint64()
              break
            }
            case 8: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 9: {
              if (opts.limits?.found != null && obj.found.length === opts.limits.found) {
                throw new MaxLengthError('Decode error - map field "found" had too many elements')
              }

              obj.found.push(reader.bool())
              break
            }
            case 10: {
              obj.lease = reader.uint64()
              break
            }
            case 11: {
              obj.canLoad = reader.bool()
              break
            }
            case 12: {
              obj.errorCode = reader.string()
              break
            }
            case 13: {
              obj.errorMessage = reader.string()
              break
            }
            case 14: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - map field "members" had too many elements')
              }

              obj.members.push(Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 15: {
              if (opts.limits?.names != null && obj.names.length === opts.limits.names) {
                throw new MaxLengthError('Decode error - map field "names" had too many elements')
              }

              obj.names.push(reader.string())
              break
            }
            case 16: {
              obj.waitMs = reader.uint32()
              break
            }
            case 17: {
              obj.mesh = reader.string()
              break
            }
            case 18: {
              obj.forwarded = reader.bool()
              break
            }
            case 19: {
              obj.view = reader.string()
              break
            }
            case 20: {
              obj.epoch = reader.uint64()
              break
            }
            case 21: {
              obj.seq = reader.uint64()
              break
            }
            case 22: {
              if (opts.limits?.dead != null && obj.dead.length === opts.limits.dead) {
                throw new MaxLengthError('Decode error - map field "dead" had too many elements')
              }

              obj.dead.push(Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.dead$
              }))
              break
            }
            case 23: {
              obj.settling = reader.bool()
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

  export const encode = (obj: Partial<Frame>): Uint8Array => {
    return encodeMessage(obj, Frame.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame => {
    return decodeMessage(buf, Frame.codec(), opts)
  }
}
