/**
 * Reads Markdown or HTML into a document of the shared schema, for import.
 * HTML goes through the schema's own parse rules (the ones the editor uses
 * for paste), so an import keeps exactly what a paste would keep.
 */
import { DOMParser, type Node as PMNode } from 'prosemirror-model'
import { MarkdownParser, defaultMarkdownParser } from 'prosemirror-markdown'
import MarkdownIt from 'markdown-it'
import type Token from 'markdown-it/lib/token.mjs'
import { parseHTML } from 'linkedom'
import { schema } from '../../shared/schema.js'

/** The import formats and the media types that select them. */
export const IMPORT_TYPES: Record<string, 'md' | 'html'> = {
  'text/markdown': 'md',
  'text/x-markdown': 'md',
  'text/plain': 'md',
  'text/html': 'html',
}

/** A parsed import: the document and the title it suggests ('' when none). */
export interface Parsed {
  doc: PMNode
  title: string
}

const TASK_PREFIX = /^\[([ xX])\]\s+/

/**
 * Turns GitHub-style task lists ("- [ ] todo") into task_list tokens: a
 * bullet list becomes a task list when every one of its items starts with a
 * box.
 */
function taskLists(md: MarkdownIt): void {
  md.core.ruler.push('task_lists', (state) => {
    const tokens = state.tokens
    for (let open = 0; open < tokens.length; open++) {
      if (tokens[open]!.type !== 'bullet_list_open') continue
      const level = tokens[open]!.level
      let close = open + 1
      while (!(tokens[close]!.type === 'bullet_list_close' && tokens[close]!.level === level)) close++
      const items: Array<{ open: Token; inline: Token | undefined }> = []
      for (let i = open + 1; i < close; i++) {
        const token = tokens[i]!
        if (token.type === 'list_item_open' && token.level === level + 1) {
          // list_item_open, paragraph_open, inline
          items.push({ open: token, inline: tokens[i + 2]?.type === 'inline' ? tokens[i + 2] : undefined })
        }
      }
      if (items.length === 0 || !items.every((item) => item.inline && TASK_PREFIX.test(item.inline.content))) continue
      tokens[open]!.type = 'task_list_open'
      tokens[close]!.type = 'task_list_close'
      for (let i = open + 1; i < close; i++) {
        const token = tokens[i]!
        if (token.level !== level + 1) continue
        if (token.type === 'list_item_open') token.type = 'task_item_open'
        if (token.type === 'list_item_close') token.type = 'task_item_close'
      }
      for (const { open: item, inline } of items) {
        const box = TASK_PREFIX.exec(inline!.content)!
        item.attrSet('checked', box[1] === ' ' ? 'false' : 'true')
        inline!.content = inline!.content.slice(box[0].length)
        const first = inline!.children?.[0]
        if (first?.type === 'text') first.content = first.content.replace(TASK_PREFIX, '')
      }
    }
  })
}

const tokenizer = new MarkdownIt('default', { html: false, linkify: false }).disable(['table'])
tokenizer.use(taskLists)

const base = defaultMarkdownParser.tokens
const markdown = new MarkdownParser(schema, tokenizer, {
  blockquote: base.blockquote!,
  paragraph: base.paragraph!,
  heading: { block: 'heading', getAttrs: (tok) => ({ level: Math.min(3, Number(tok.tag.slice(1)) || 1) }) },
  code_block: { block: 'code_block', noCloseToken: true },
  fence: { block: 'code_block', noCloseToken: true },
  hr: { node: 'horizontal_rule' },
  bullet_list: { block: 'bullet_list' },
  ordered_list: { block: 'ordered_list', getAttrs: (tok) => ({ order: Number(tok.attrGet('start')) || 1 }) },
  list_item: { block: 'list_item' },
  task_list: { block: 'task_list' },
  task_item: { block: 'task_item', getAttrs: (tok) => ({ checked: tok.attrGet('checked') === 'true' }) },
  image: {
    node: 'image',
    getAttrs: (tok) => ({ src: tok.attrGet('src') ?? '', alt: tok.children?.[0]?.content ?? '', title: tok.attrGet('title') || null }),
  },
  hardbreak: { node: 'hard_break' },
  em: { mark: 'italic' },
  strong: { mark: 'bold' },
  s: { mark: 'strike' },
  link: { mark: 'link', getAttrs: (tok) => ({ href: tok.attrGet('href') ?? '' }) },
  code_inline: { mark: 'code', noCloseToken: true },
})

/** Parses Markdown; the first heading, if the document starts with one, is its title. */
export function fromMarkdown(source: string): Parsed {
  const doc = markdown.parse(source)
  return { doc, title: leadingHeading(doc) }
}

/** Parses HTML; <title>, else a leading heading, is its title. */
export function fromHtml(source: string): Parsed {
  // linkedom builds no body around a bare fragment ("<h1>..</h1><p>..</p>").
  const { document } = parseHTML(/<body[\s>]/i.test(source) ? source : `<!doctype html><html><body>${source}</body></html>`)
  const doc = DOMParser.fromSchema(schema).parse((document.body ?? document.documentElement) as unknown as Node)
  const title = document.querySelector('title')?.textContent?.trim() || leadingHeading(doc)
  return { doc, title }
}

function leadingHeading(doc: PMNode): string {
  const first = doc.firstChild
  return first?.type === schema.nodes.heading ? first.textContent.trim() : ''
}
