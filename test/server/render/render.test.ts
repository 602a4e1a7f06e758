/**
 * Rendering a document on the relay: Y.Doc -> ProseMirror through the shared
 * schema, tolerant of whatever other clients wrote, and out as Markdown,
 * HTML or text; Markdown and HTML back in for import.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { prosemirrorJSONToYDoc, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import { schema } from '../../../shared/schema.js'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../../../shared/docmodel.js'
import { readDoc } from '../../../server/render/ydoc.js'
import { markdownSerializer, toHtml, toMarkdown, toText } from '../../../server/render/formats.js'
import { parseHTML } from 'linkedom'
import { fromHtml, fromMarkdown } from '../../../server/render/parse.js'

/** A document using most of the schema, as the editor would write it. */
const RICH = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Plan' }] },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Ship ' },
        { type: 'text', marks: [{ type: 'bold' }], text: 'bold' },
        { type: 'text', text: ', ' },
        { type: 'text', marks: [{ type: 'italic' }], text: 'italic' },
        { type: 'text', text: ' and ' },
        { type: 'text', marks: [{ type: 'link', attrs: { href: 'https://example.com/a?b=1&c=2' } }], text: 'a <link>' },
      ],
    },
    { type: 'bullet_list', content: [{ type: 'list_item', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] }] },
    { type: 'task_list', content: [{ type: 'task_item', attrs: { checked: true }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'done' }] }] }] },
    { type: 'code_block', content: [{ type: 'text', text: 'let x = 1' }] },
  ],
}

/** Node JSON as plain objects (ProseMirror's attrs have no prototype). */
const json = (node: { toJSON(): unknown }) => JSON.parse(JSON.stringify(node.toJSON())) as unknown

function richYDoc(title = 'My plan'): Y.Doc {
  const ydoc = prosemirrorJSONToYDoc(schema, RICH, CONTENT_FRAGMENT)
  ydoc.getText(TITLE_TEXT).insert(0, title)
  return ydoc
}

test('a document the editor wrote reads back exactly, with its title', () => {
  const read = readDoc(richYDoc())
  assert.deepEqual(json(read.doc), RICH)
  assert.equal(read.title, 'My plan')
  assert.equal(read.dropped.size, 0)
})

test('foreign content is dropped and counted instead of failing the whole render', () => {
  const ydoc = richYDoc()
  const fragment = ydoc.getXmlFragment(CONTENT_FRAGMENT)
  const table = new Y.XmlElement('table')
  table.insert(0, [new Y.XmlText('cell')])
  // A bare text run at the top level, a list item outside any list, a paragraph
  // with a mark nobody knows, a javascript: link and an image without a source.
  const bare = new Y.XmlText('stray')
  const orphan = new Y.XmlElement('list_item')
  const odd = new Y.XmlElement('paragraph')
  const oddText = new Y.XmlText()
  odd.insert(0, [oddText])
  const image = new Y.XmlElement('image')
  fragment.insert(1, [table, bare, orphan, odd, image])
  oddText.insert(0, 'kept ', {})
  oddText.insert(5, 'comment', { comment: { id: 1 } })
  oddText.insert(12, ' evil', { link: { href: 'javascript:alert(1)' } })

  // y-prosemirror's own reader gives up on such a document.
  // (on a copy: it also deletes what it cannot read from the Y.Doc)
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(ydoc))
  assert.throws(() => yXmlFragmentToProseMirrorRootNode(copy.getXmlFragment(CONTENT_FRAGMENT), schema))
  const read = readDoc(ydoc)
  assert.doesNotThrow(() => read.doc.check())
  assert.equal(read.doc.child(0).textContent, 'Plan')
  assert.ok(read.doc.textContent.includes('kept comment evil'), read.doc.textContent)
  assert.ok(!JSON.stringify(read.doc.toJSON()).includes('javascript:'))
  assert.equal(read.dropped.get('node:table'), 1)
  assert.equal(read.dropped.get('mark:comment'), 1)
  assert.equal(read.dropped.get('attr:link.href'), 1)
  assert.equal(read.dropped.get('attr:image.src'), 1)
})

test('an empty Y.Doc reads as one empty paragraph', () => {
  const read = readDoc(new Y.Doc())
  assert.deepEqual(json(read.doc), { type: 'doc', content: [{ type: 'paragraph' }] })
})

test('Markdown export writes headings, marks, links, lists, task boxes and code', () => {
  const md = toMarkdown(readDoc(richYDoc()).doc)
  assert.equal(
    md,
    '# Plan\n\nShip **bold**, *italic* and [a &lt;link>](https://example.com/a?b=1&c=2)\n\n* one\n\n- [x] done\n\n```\nlet x = 1\n```\n',
  )
})

test('HTML export is a standalone page whose title and text are escaped', () => {
  const html = toHtml(readDoc(richYDoc()).doc, '</title><script>alert(1)</script>')
  assert.match(html, /^<!doctype html>/)
  assert.ok(html.includes('<title>&#60;/title&#62;&#60;script&#62;alert(1)&#60;/script&#62;</title>'), html)
  assert.ok(!html.includes('<script>'))
  assert.ok(html.includes('<h1>Plan</h1>'))
  assert.ok(html.includes('<strong>bold</strong>'))
  assert.ok(html.includes('a &lt;link&gt;</a>'))
  assert.ok(html.includes('href="https://example.com/a?b=1&amp;c=2"'), html)
  assert.ok(html.includes('<li data-checked="true"><p>done</p></li>'))
  assert.ok(html.includes('@media print'))
})

test('a quote in a link cannot break out of its HTML attribute', () => {
  const { nodes: n, marks: m } = schema
  const doc = n.doc.create(null, n.paragraph.create(null, schema.text('x', [m.link.create({ href: 'https://a.example/"><script>' })])))
  const html = toHtml(doc, 't')
  const { document } = parseHTML(html)
  assert.equal(document.querySelectorAll('script').length, 0)
  assert.equal(document.querySelector('a')?.getAttribute('href'), 'https://a.example/"><script>')
})

test('text that looks like HTML stays text in Markdown', () => {
  const doc = schema.nodes.doc.create(null, schema.nodes.paragraph.create(null, schema.text('<img src=x onerror=alert(1)> & co')))
  const md = toMarkdown(doc)
  assert.equal(md, '&lt;img src=x onerror=alert(1)> & co\n')
  assert.equal(fromMarkdown(md).doc.textContent, '<img src=x onerror=alert(1)> & co')
})

test('text export separates blocks with blank lines', () => {
  assert.equal(toText(readDoc(richYDoc()).doc), 'Plan\n\nShip bold, italic and a <link>\n\none\n\ndone\n\nlet x = 1\n')
})

test('Markdown import reads what Markdown export writes', () => {
  const doc = readDoc(richYDoc()).doc
  const parsed = fromMarkdown(toMarkdown(doc))
  assert.equal(parsed.title, 'Plan')
  assert.deepEqual(json(parsed.doc), json(doc))
})

test('HTML import keeps what the schema knows and drops scripts and unsafe links', () => {
  const parsed = fromHtml(
    '<html><head><title>Notes</title></head><body><h2>From Docs</h2><p><strong>strong</strong> <a href="javascript:alert(1)">bad</a> <a href="https://ok.example">good</a></p><script>alert(1)</script><ul data-type="tasks"><li data-checked="true"><p>t</p></li><li><input type="checkbox" checked><p>u</p></li></ul></body></html>',
  )
  assert.equal(parsed.title, 'Notes')
  const json = JSON.stringify(parsed.doc.toJSON())
  assert.ok(json.includes('"heading"') && json.includes('"bold"') && json.includes('https://ok.example'))
  assert.ok(!json.includes('javascript:') && !json.includes('alert'))
  assert.equal(parsed.doc.lastChild!.type.name, 'task_list')
  assert.equal(parsed.doc.lastChild!.firstChild!.attrs.checked, true)
  assert.equal(parsed.doc.lastChild!.lastChild!.attrs.checked, true)
})

test('Markdown of a long document, written in chunks, equals one pass of the serialiser', () => {
  const para = (text: string, breakAtEnd = false) => ({
    type: 'paragraph',
    content: [{ type: 'text', text }, ...(breakAtEnd ? [{ type: 'hard_break' }] : [])],
  })
  const list = (type: string, item: string) => ({
    type,
    content: [{ type: type === 'task_list' ? 'task_item' : 'list_item', content: [para(item)] }],
  })
  const content: unknown[] = []
  // Every kind of neighbour at every position a chunk boundary can fall on.
  for (let i = 0; i < 60; i++) {
    const kind = i % 6
    if (kind === 0) content.push(para(`p${i} *not emphasis* # not heading`))
    if (kind === 1) content.push(list('bullet_list', `b${i}`), list('bullet_list', `b${i}'`))
    if (kind === 2) content.push(list('ordered_list', `o${i}`), list('ordered_list', `o${i}'`), list('ordered_list', `o${i}''`))
    if (kind === 3) content.push(para(`ends in a break ${i}`, true))
    if (kind === 4) content.push(list('task_list', `t${i}`), list('task_list', `t${i}'`))
    if (kind === 5) content.push({ type: 'code_block', content: [{ type: 'text', text: `code ${i}` }] }, { type: 'horizontal_rule' })
  }
  const doc = schema.nodeFromJSON({ type: 'doc', content })
  assert.equal(toMarkdown(doc), markdownSerializer.serialize(doc) + '\n')
})

test('exported HTML escapes text and attributes and writes void elements without end tags', () => {
  const { nodes: n, marks: m } = schema
  const doc = n.doc.create(null, [
    n.paragraph.create(null, [schema.text('a & b < c > d\u00a0e'), n.hard_break.create(), n.image.create({ src: 'https://i.example/x.png?a=1&b="2"', alt: 'x' })]),
    n.horizontal_rule.create(),
    n.paragraph.create(null, schema.text('l', [m.link.create({ href: 'https://a.example/?q=1&copy=2' })])),
  ])
  const html = toHtml(doc, 't')
  const body = html.slice(html.indexOf('<body>\n') + 7, html.lastIndexOf('\n</body>'))
  assert.equal(
    body,
    '<p>a &amp; b &lt; c &gt; d&#160;e<br><img src="https://i.example/x.png?a=1&amp;b=&quot;2&quot;" alt="x"></p><hr>' +
      '<p><a href="https://a.example/?q=1&amp;copy=2" rel="noopener noreferrer nofollow">l</a></p>',
  )
  // A browser reads back exactly what the document holds.
  const { document } = parseHTML(html)
  assert.equal(document.querySelector('a')?.getAttribute('href'), 'https://a.example/?q=1&copy=2')
  assert.equal(document.querySelector('img')?.getAttribute('src'), 'https://i.example/x.png?a=1&b="2"')
})
