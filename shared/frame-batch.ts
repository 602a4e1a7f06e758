/**
 * Frame batches: how the HTTP fallback transport carries y-websocket frames
 * (docs/protocol.md, "HTTP fallback"). A POSTed upload and a long-poll answer
 * are each one batch of consecutive frames, numbered from `firstSeq`:
 *
 *   varUint firstSeq, varUint count, then count × varUint8Array(frame)
 *
 * The numbers make retries safe: the receiver applies only frames newer than
 * the last it applied, so a batch sent twice is applied once.
 *
 * Pure functions over bytes (lib0 encoding), used by the relay and the client.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

/** Consecutive frames; the i-th has sequence number `firstSeq + i`. */
export interface FrameBatch {
  firstSeq: number
  frames: Uint8Array[]
}

/** Thrown when bytes are not a well-formed frame batch. */
export class MalformedBatchError extends Error {
  constructor(reason: string) {
    super(`malformed frame batch: ${reason}`)
    this.name = 'MalformedBatchError'
  }
}

export function encodeFrameBatch(firstSeq: number, frames: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, firstSeq)
  encoding.writeVarUint(encoder, frames.length)
  for (const frame of frames) encoding.writeVarUint8Array(encoder, frame)
  return encoding.toUint8Array(encoder)
}

/**
 * Decodes a batch. Throws MalformedBatchError when the bytes are truncated,
 * have trailing garbage, hold an empty frame, or number frames from 0
 * (sequence numbers start at 1). At most `maxFrames` frames are read.
 */
export function decodeFrameBatch(bytes: Uint8Array, maxFrames = Number.MAX_SAFE_INTEGER): FrameBatch {
  const decoder = decoding.createDecoder(bytes)
  try {
    const firstSeq = decoding.readVarUint(decoder)
    if (firstSeq < 1) throw new MalformedBatchError('sequence numbers start at 1')
    const count = decoding.readVarUint(decoder)
    if (count > maxFrames) throw new MalformedBatchError(`more than ${maxFrames} frames`)
    const frames: Uint8Array[] = []
    for (let i = 0; i < count; i++) {
      const frame = decoding.readVarUint8Array(decoder)
      if (frame.byteLength === 0) throw new MalformedBatchError(`frame ${i} is empty`)
      frames.push(frame)
    }
    if (decoding.hasContent(decoder)) throw new MalformedBatchError('trailing bytes after the last frame')
    if (!Number.isSafeInteger(firstSeq + count)) throw new MalformedBatchError('sequence number out of range')
    return { firstSeq, frames }
  } catch (err) {
    if (err instanceof MalformedBatchError) throw err
    // lib0 throws plain Errors ("Unexpected end of array", varint overflow).
    throw new MalformedBatchError((err as Error).message)
  }
}
