/**
 * Writes a document of the shared schema as Markdown, HTML or plain text, for
 * export and printing. Pure functions over ProseMirror nodes.
 */
import { DOMSerializer, type Node as PMNode } from 'prosemirror-model'
import { MarkdownSerializer, defaultMarkdownSerializer } from 'prosemirror-markdown'
import { htmlWriterDocument, markup } from './html-writer.js'
import { schema } from '../../shared/schema.js'

/** The export formats, with their media type and file extension. */
export const FORMATS = {
  md: { contentType: 'text/markdown; charset=utf-8', extension: 'md' },
  html: { contentType: 'text/html; charset=utf-8', extension: 'html' },
  txt: { contentType: 'text/plain; charset=utf-8', extension: 'txt' },
} as const

export type Format = keyof typeof FORMATS

/** True when `value` names an export format. */
export function isFormat(value: string | null): value is Format {
  return value !== null && Object.hasOwn(FORMATS, value)
}

/** Renders `doc` (titled `title`) in `format`. */
export function render(doc: PMNode, title: string, format: Format): string {
  switch (format) {
    case 'md':
      return toMarkdown(doc)
    case 'html':
      return toHtml(doc, title)
    case 'txt':
      return toText(doc)
  }
}

const base = defaultMarkdownSerializer
/** The serialiser itself (toMarkdown runs it per chunk; tests compare with one run over a whole document). */
export const markdownSerializer = new MarkdownSerializer(
  {
    paragraph: base.nodes.paragraph!,
    heading: base.nodes.heading!,
    blockquote: base.nodes.blockquote!,
    code_block: base.nodes.code_block!,
    horizontal_rule: base.nodes.horizontal_rule!,
    bullet_list: base.nodes.bullet_list!,
    ordered_list: base.nodes.ordered_list!,
    list_item: base.nodes.list_item!,
    image: base.nodes.image!,
    hard_break: base.nodes.hard_break!,
    // "<" as an entity: Markdown renderers that allow HTML would otherwise
    // read typed text like "<img onerror=...>" as markup.
    // (inAutolink is the default serializer's own, untyped, flag for <https://...> links.)
    text: (state, node) => {
      const inAutolink = (state as unknown as { inAutolink?: boolean }).inAutolink
      state.text(inAutolink ? node.text! : node.text!.replace(/</g, '&lt;'), !inAutolink)
    },
    // GitHub-style task lists: "- [ ] todo", "- [x] done".
    task_list: (state, node) => state.renderList(node, '  ', () => '- '),
    task_item: (state, node) => {
      state.write(node.attrs.checked ? '[x] ' : '[ ] ')
      state.renderContent(node)
    },
  },
  {
    bold: base.marks.strong!,
    italic: base.marks.em!,
    code: base.marks.code!,
    link: base.marks.link!,
    strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
    highlight: { open: '==', close: '==', mixable: true, expelEnclosingWhitespace: true },
    // Markdown has no underline; the text stays, the underline does not.
    underline: { open: '', close: '', mixable: true },
  },
)

/** Top-level blocks serialised together; see toMarkdown. */
const MARKDOWN_CHUNK_BLOCKS = 8

/**
 * The document as CommonMark (plus ~~strike~~, ==highlight== and task lists).
 *
 * Serialised in chunks of top-level blocks, joined by the blank line the
 * serialiser puts between top-level blocks anyway: prosemirror-markdown
 * reads the last character of its whole output at every step, which
 * flattens V8's concatenated string each time and made a 300 KB document
 * take 400 ms (quadratic). A chunk never ends between two lists of the same
 * type, which the serialiser must see together to keep them apart.
 */
export function toMarkdown(doc: PMNode): string {
  const blocks: PMNode[] = []
  doc.forEach((block) => blocks.push(block))
  let out = ''
  let previous = ''
  let start = 0
  for (let i = 1; i <= blocks.length; i++) {
    const sameList = i < blocks.length && blocks[i]!.type === blocks[i - 1]!.type && blocks[i]!.type.name.endsWith('_list')
    if (i < blocks.length && (i - start < MARKDOWN_CHUNK_BLOCKS || sameList)) continue
    const part = markdownSerializer.serialize(doc.type.create(doc.attrs, blocks.slice(start, i)))
    // What the serialiser writes between two top-level blocks (its flushClose).
    if (start > 0) out += previous.endsWith('\n') ? '\n' : '\n\n'
    out += part
    previous = part
    start = i
  }
  return out + '\n'
}

/** The document as plain text: blocks separated by blank lines. */
export function toText(doc: PMNode): string {
  const text = doc.textBetween(0, doc.content.size, '\n\n', (leaf) =>
    leaf.type === schema.nodes.hard_break ? '\n' : leaf.type === schema.nodes.image ? String(leaf.attrs.alt ?? '') : '',
  )
  return text + '\n'
}

/** Styles of exported HTML, also what printing uses: a page, not an app. */
const PRINT_CSS = `
body { font: 12pt/1.5 Georgia, 'Times New Roman', serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1, h2, h3 { font-family: system-ui, sans-serif; line-height: 1.2; }
pre { background: #f4f4f4; padding: .75rem; white-space: pre-wrap; }
blockquote { border-left: 3px solid #ccc; margin-left: 0; padding-left: 1rem; color: #444; }
ul[data-type=tasks] { list-style: none; padding-left: 1.2rem; }
ul[data-type=tasks] li[data-checked=true]::before { content: '☑ '; }
ul[data-type=tasks] li[data-checked=false]::before { content: '☐ '; }
ul[data-type=tasks] li > p { display: inline; }
img { max-width: 100%; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
`

/** Escapes text for HTML content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * A standalone HTML page holding the document. The body is written by the
 * schema's own toDOM (so it matches the editor) into a minimal string DOM
 * (html-writer.ts); the title is escaped here.
 */
export function toHtml(doc: PMNode, title: string): string {
  const fragment = htmlSerializer.serializeFragment(doc.content, { document: htmlWriterDocument as unknown as Document })
  return (
    '<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(title || 'Untitled document')}</title>\n<style>${PRINT_CSS}</style>\n</head>\n` +
    `<body>\n${markup(fragment)}\n</body>\n</html>\n`
  )
}

const htmlSerializer = DOMSerializer.fromSchema(schema)
