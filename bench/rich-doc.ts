/**
 * A rich document in Tandem's document model (the ProseMirror fragment and
 * the title text of shared/docmodel.ts), built by a seeded generator so every
 * run renders the same bytes: headings, paragraphs with bold, italic, code
 * and links, bullet and task lists, quotes and code blocks, in the mix of an
 * ordinary long report.
 */
import * as Y from 'yjs'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import { schema } from '../shared/schema.js'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../shared/docmodel.js'
import { prng } from './trace.js'

const WORDS = (
  'the relay keeps every document in a log of updates and answers each client with what it lacks ' +
  'editors type at once and nothing anyone typed is lost when the process stops versions are saved ' +
  'while people write and can be restored later export turns the document into markdown html or text'
).split(' ')

type Json = Record<string, unknown>

/** A Y.Doc whose encoded state is at least `minStateBytes`, and that size. */
export function buildRichDoc(minStateBytes: number, seed = 0x5eed): { doc: Y.Doc; stateBytes: number; blocks: number } {
  const random = prng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const inline = (n: number): Json[] => {
    const parts: Json[] = []
    let left = n
    while (left > 0) {
      const k = Math.min(left, 1 + Math.floor(random() * 12))
      left -= k
      const roll = random()
      const marks =
        roll < 0.08 ? [{ type: 'bold' }] : roll < 0.14 ? [{ type: 'italic' }] : roll < 0.17 ? [{ type: 'code' }] : roll < 0.2 ? [{ type: 'link', attrs: { href: `https://example.com/${k}` } }] : []
      parts.push({ type: 'text', text: `${words(k)} `, ...(marks.length ? { marks } : {}) })
    }
    return parts
  }
  const paragraph = (n: number): Json => ({ type: 'paragraph', content: inline(n) })
  const block = (): Json => {
    const roll = random()
    if (roll < 0.1) return { type: 'heading', attrs: { level: 1 + Math.floor(random() * 3) }, content: [{ type: 'text', text: words(3 + Math.floor(random() * 5)) }] }
    if (roll < 0.25) return { type: 'bullet_list', content: Array.from({ length: 2 + Math.floor(random() * 4) }, () => ({ type: 'list_item', content: [paragraph(5 + Math.floor(random() * 15))] })) }
    if (roll < 0.3) return { type: 'task_list', content: Array.from({ length: 2 + Math.floor(random() * 4) }, () => ({ type: 'task_item', attrs: { checked: random() < 0.5 }, content: [paragraph(4 + Math.floor(random() * 8))] })) }
    if (roll < 0.35) return { type: 'blockquote', content: [paragraph(15 + Math.floor(random() * 30))] }
    if (roll < 0.4) return { type: 'code_block', content: [{ type: 'text', text: Array.from({ length: 3 + Math.floor(random() * 6) }, () => `  ${words(4)};`).join('\n') }] }
    return paragraph(20 + Math.floor(random() * 60))
  }
  const blocks: Json[] = []
  let jsonBytes = 0
  const add = () => {
    const b = block()
    jsonBytes += JSON.stringify(b).length
    blocks.push(b)
  }
  // A first guess from the JSON size, then 10% more until the encoded state is large enough.
  while (jsonBytes < minStateBytes * 1.2) add()
  for (;;) {
    const doc = new Y.Doc()
    doc.transact(() => {
      prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: blocks }, doc.getXmlFragment(CONTENT_FRAGMENT))
      doc.getText(TITLE_TEXT).insert(0, 'Quarterly report')
    })
    const stateBytes = Y.encodeStateAsUpdate(doc).byteLength
    if (stateBytes >= minStateBytes) return { doc, stateBytes, blocks: blocks.length }
    doc.destroy()
    for (let i = 0; i < Math.ceil(blocks.length * 0.1) + 1; i++) add()
  }
}
