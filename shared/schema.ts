/**
 * The document schema, shared by the editor and the relay (which renders and
 * validates documents with it). Node and mark names are part of the stored
 * format: y-prosemirror writes them into the Yjs document, so renaming one
 * orphans existing content.
 *
 * Content expressions prefer `*` to `+` inside containers: after a concurrent
 * merge y-prosemirror drops a node whose content no longer fits its schema,
 * so a blockquote emptied by two people at once must stay valid, not vanish.
 */
import { Schema, type DOMOutputSpec, type Mark, type Node as PMNode } from 'prosemirror-model'

/** Link and image targets the editor accepts; anything else (javascript:, data:) is refused. */
const SAFE_HREF = /^(https?:|mailto:)/i
const SAFE_SRC = /^https?:/i

/** True when `href` is an http, https or mailto URL. */
export function isSafeHref(href: string): boolean {
  return SAFE_HREF.test(href.trim())
}

/** True when `src` is an http or https URL (images by URL only). */
export function isSafeImageSrc(src: string): boolean {
  return SAFE_SRC.test(src.trim())
}

/** Reads a list item's checkbox state from pasted HTML (GitHub, Docs, our own). */
function checkedFrom(dom: HTMLElement): boolean {
  if (dom.getAttribute('data-checked') !== null) return dom.getAttribute('data-checked') === 'true'
  const box = dom.querySelector('input[type=checkbox]')
  return box instanceof HTMLInputElement ? box.checked || box.hasAttribute('checked') : false
}

export const schema = new Schema({
  nodes: {
    doc: { content: 'block+' },
    paragraph: {
      group: 'block',
      content: 'inline*',
      parseDOM: [{ tag: 'p' }],
      toDOM: (): DOMOutputSpec => ['p', 0],
    },
    heading: {
      group: 'block',
      content: 'inline*',
      attrs: { level: { default: 1, validate: 'number' } },
      defining: true,
      parseDOM: [
        { tag: 'h1', attrs: { level: 1 } },
        { tag: 'h2', attrs: { level: 2 } },
        { tag: 'h3', attrs: { level: 3 } },
        // Headings below 3 keep their text as the smallest heading.
        { tag: 'h4', attrs: { level: 3 } },
        { tag: 'h5', attrs: { level: 3 } },
        { tag: 'h6', attrs: { level: 3 } },
      ],
      toDOM: (node: PMNode): DOMOutputSpec => [`h${node.attrs.level}`, 0],
    },
    blockquote: {
      group: 'block',
      content: 'block*',
      defining: true,
      parseDOM: [{ tag: 'blockquote' }],
      toDOM: (): DOMOutputSpec => ['blockquote', 0],
    },
    code_block: {
      group: 'block',
      content: 'text*',
      marks: '',
      code: true,
      defining: true,
      parseDOM: [{ tag: 'pre', preserveWhitespace: 'full' }],
      toDOM: (): DOMOutputSpec => ['pre', ['code', 0]],
    },
    horizontal_rule: {
      group: 'block',
      parseDOM: [{ tag: 'hr' }],
      toDOM: (): DOMOutputSpec => ['hr'],
    },
    bullet_list: {
      group: 'block',
      content: 'list_item*',
      parseDOM: [{ tag: 'ul:not([data-type=tasks])' }],
      toDOM: (): DOMOutputSpec => ['ul', 0],
    },
    ordered_list: {
      group: 'block',
      content: 'list_item*',
      attrs: { order: { default: 1, validate: 'number' } },
      parseDOM: [{ tag: 'ol', getAttrs: (dom: HTMLElement) => ({ order: Number(dom.getAttribute('start') ?? 1) || 1 }) }],
      toDOM: (node: PMNode): DOMOutputSpec => (node.attrs.order === 1 ? ['ol', 0] : ['ol', { start: node.attrs.order }, 0]),
    },
    list_item: {
      content: 'paragraph block*',
      defining: true,
      parseDOM: [{ tag: 'ul:not([data-type=tasks]) > li, ol > li' }, { tag: 'li', priority: 40 }],
      toDOM: (): DOMOutputSpec => ['li', 0],
    },
    task_list: {
      group: 'block',
      content: 'task_item*',
      parseDOM: [{ tag: 'ul[data-type=tasks]', priority: 60 }],
      toDOM: (): DOMOutputSpec => ['ul', { 'data-type': 'tasks' }, 0],
    },
    task_item: {
      content: 'paragraph block*',
      defining: true,
      attrs: { checked: { default: false, validate: 'boolean' } },
      parseDOM: [{ tag: 'ul[data-type=tasks] > li', priority: 60, getAttrs: (dom: HTMLElement) => ({ checked: checkedFrom(dom) }) }],
      toDOM: (node: PMNode): DOMOutputSpec => ['li', { 'data-checked': node.attrs.checked ? 'true' : 'false' }, 0],
    },
    image: {
      group: 'inline',
      inline: true,
      draggable: true,
      attrs: { src: { validate: 'string' }, alt: { default: '' }, title: { default: null } },
      parseDOM: [
        {
          tag: 'img[src]',
          getAttrs: (dom: HTMLElement) => {
            const src = dom.getAttribute('src') ?? ''
            if (!isSafeImageSrc(src)) return false
            return { src, alt: dom.getAttribute('alt') ?? '', title: dom.getAttribute('title') }
          },
        },
      ],
      toDOM: (node: PMNode): DOMOutputSpec => ['img', { src: node.attrs.src, alt: node.attrs.alt, title: node.attrs.title }],
    },
    text: { group: 'inline' },
    hard_break: {
      group: 'inline',
      inline: true,
      selectable: false,
      parseDOM: [{ tag: 'br' }],
      toDOM: (): DOMOutputSpec => ['br'],
    },
  },
  marks: {
    link: {
      attrs: { href: { validate: 'string' } },
      inclusive: false,
      parseDOM: [
        {
          tag: 'a[href]',
          getAttrs: (dom: HTMLElement) => {
            const href = dom.getAttribute('href') ?? ''
            return isSafeHref(href) ? { href } : false
          },
        },
      ],
      toDOM: (mark: Mark): DOMOutputSpec => ['a', { href: mark.attrs.href, rel: 'noopener noreferrer nofollow' }, 0],
    },
    bold: {
      parseDOM: [
        { tag: 'strong' },
        // Google Docs wraps whole pastes in <b style="font-weight:normal">.
        { tag: 'b', getAttrs: (dom: HTMLElement) => dom.style.fontWeight !== 'normal' && null },
        { style: 'font-weight=400', clearMark: (m: Mark) => m.type.name === 'bold' },
        { style: 'font-weight', getAttrs: (value: string) => /^(bold(er)?|[5-9]\d{2,})$/.test(value) && null },
      ],
      toDOM: (): DOMOutputSpec => ['strong', 0],
    },
    italic: {
      parseDOM: [
        { tag: 'i' },
        { tag: 'em' },
        { style: 'font-style=italic' },
        { style: 'font-style=normal', clearMark: (m: Mark) => m.type.name === 'italic' },
      ],
      toDOM: (): DOMOutputSpec => ['em', 0],
    },
    underline: {
      parseDOM: [{ tag: 'u' }, { style: 'text-decoration=underline' }, { style: 'text-decoration-line=underline' }],
      toDOM: (): DOMOutputSpec => ['u', 0],
    },
    strike: {
      parseDOM: [
        { tag: 's' },
        { tag: 'del' },
        { tag: 'strike' },
        { style: 'text-decoration=line-through' },
        { style: 'text-decoration-line=line-through' },
      ],
      toDOM: (): DOMOutputSpec => ['s', 0],
    },
    code: {
      excludes: '_',
      parseDOM: [{ tag: 'code' }],
      toDOM: (): DOMOutputSpec => ['code', 0],
    },
    highlight: {
      parseDOM: [{ tag: 'mark' }],
      toDOM: (): DOMOutputSpec => ['mark', 0],
    },
  },
})
