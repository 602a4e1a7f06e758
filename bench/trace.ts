/**
 * The large document of scenario 3: a real editing trace replayed into a
 * Y.Text until it holds at least `minEdits` small edits, or, when the trace is
 * not there, a seeded generator that types, deletes and formats.
 *
 * The trace is seph-blog1 from josephg/editing-traces (Joseph Gentle, CC BY
 * 4.0), found at ../shared/data/ next to the repository; the benchmark never
 * needs it, so CI and fresh clones fall back to the generator.
 */
import { existsSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import * as Y from 'yjs'

export const TRACE_PATH = new URL('../../shared/data/seph-blog1.json.gz', import.meta.url)

interface Trace {
  endContent: string
  txns: Array<{ patches: Array<[number, number, string]> }>
}

export interface LargeDoc {
  doc: Y.Doc
  /** Edits (trace patches or generated operations) applied, each a small change. */
  edits: number
  /** Yjs transactions, one per trace transaction or generated operation. */
  transactions: number
  source: string
}

/** Builds the large document in the Y.Text "t". */
export function buildLargeDoc(minEdits: number): LargeDoc {
  return existsSync(TRACE_PATH) ? fromTrace(minEdits) : generated(minEdits)
}

function fromTrace(minEdits: number): LargeDoc {
  const trace = JSON.parse(gunzipSync(readFileSync(TRACE_PATH)).toString('utf8')) as Trace
  // Positions count code points; Y.Text counts UTF-16 units. They agree only
  // without astral characters, which holds for this trace (checked below).
  if ([...trace.endContent].length !== trace.endContent.length) throw new Error('trace has astral characters; positions need converting')
  const doc = new Y.Doc()
  const text = doc.getText('t')
  let edits = 0
  let transactions = 0
  let passes = 0
  // Each pass replays the whole trace after the text of the passes before it.
  while (edits < minEdits) {
    const base = text.length
    for (const txn of trace.txns) {
      doc.transact(() => {
        for (const [pos, deleted, inserted] of txn.patches) {
          if (deleted > 0) text.delete(base + pos, deleted)
          if (inserted) text.insert(base + pos, inserted)
          edits++
        }
      })
      transactions++
    }
    passes++
    if (text.toString().slice(base) !== trace.endContent) throw new Error('trace replay did not reach endContent')
  }
  return { doc, edits, transactions, source: `seph-blog1 editing trace (Joseph Gentle, CC BY 4.0), replayed ${passes}×, each pass checked against endContent` }
}

/** A small deterministic PRNG (mulberry32) so every run builds the same document. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generated(minEdits: number): LargeDoc {
  const random = prng(0x7a4d)
  const doc = new Y.Doc()
  const text = doc.getText('t')
  let cursor = 0
  for (let i = 0; i < minEdits; i++) {
    const roll = random()
    // A typist mostly types where they are, sometimes jumps, deletes a little, formats a word.
    if (random() < 0.02) cursor = Math.floor(random() * (text.length + 1))
    doc.transact(() => {
      if (roll < 0.75 || text.length < 10) {
        const ch = 'abcdefghijklmnopqrstuvwxyz     \n'[Math.floor(random() * 32)]!
        text.insert(cursor, ch)
        cursor++
      } else if (roll < 0.95) {
        const n = Math.min(cursor, 1 + Math.floor(random() * 3))
        text.delete(cursor - n, n)
        cursor -= n
      } else {
        const start = Math.floor(random() * (text.length - 5))
        text.format(start, 5, random() < 0.5 ? { bold: true } : { italic: true })
      }
    })
  }
  return { doc, edits: minEdits, transactions: minEdits, source: 'seeded generator (types, deletes, formats); the editing trace was not found' }
}
