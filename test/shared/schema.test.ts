import { test } from 'node:test'
import assert from 'node:assert/strict'
import { schema, isSafeHref, isSafeImageSrc } from '../../shared/schema.js'

test('the schema has every node and mark the editor offers', () => {
  for (const node of ['doc', 'paragraph', 'heading', 'blockquote', 'code_block', 'horizontal_rule', 'bullet_list', 'ordered_list', 'list_item', 'task_list', 'task_item', 'image', 'hard_break', 'text']) {
    assert.ok(schema.nodes[node], node)
  }
  for (const mark of ['bold', 'italic', 'underline', 'strike', 'code', 'highlight', 'link']) assert.ok(schema.marks[mark], mark)
})

test('containers emptied by a concurrent merge stay valid instead of being dropped', () => {
  for (const name of ['blockquote', 'bullet_list', 'ordered_list', 'task_list']) {
    assert.doesNotThrow(() => schema.nodes[name]!.createChecked(), name)
  }
})

test('a document made of every node and mark round-trips through JSON', () => {
  const { nodes: n, marks: m } = schema
  const doc = n.doc.create(null, [
    n.heading.create({ level: 2 }, schema.text('Title')),
    n.paragraph.create(null, [
      schema.text('b', [m.bold.create()]),
      schema.text('i', [m.italic.create()]),
      schema.text('u', [m.underline.create()]),
      schema.text('s', [m.strike.create()]),
      schema.text('c', [m.code.create()]),
      schema.text('h', [m.highlight.create()]),
      schema.text('l', [m.link.create({ href: 'https://example.com' })]),
      n.hard_break.create(),
      n.image.create({ src: 'https://example.com/a.png', alt: 'a' }),
    ]),
    n.blockquote.create(null, n.paragraph.create(null, schema.text('q'))),
    n.code_block.create(null, schema.text('x = 1')),
    n.horizontal_rule.create(),
    n.bullet_list.create(null, n.list_item.create(null, n.paragraph.create())),
    n.ordered_list.create({ order: 3 }, n.list_item.create(null, n.paragraph.create())),
    n.task_list.create(null, n.task_item.create({ checked: true }, n.paragraph.create(null, schema.text('done')))),
  ])
  doc.check()
  assert.ok(schema.nodeFromJSON(doc.toJSON()).eq(doc))
})

test('code marks exclude other marks; code blocks hold plain text only', () => {
  const { marks: m } = schema
  assert.equal(m.code.excludes(m.bold), true)
  assert.equal(schema.nodes.code_block.allowsMarkType(m.bold), false)
})

test('only http, https and mailto links and http(s) images are accepted', () => {
  for (const ok of ['https://a.b', 'http://a.b/c?d', 'mailto:x@y.z', ' HTTPS://A.B ']) assert.ok(isSafeHref(ok), ok)
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'vbscript:x', '/relative', 'ftp://x']) assert.ok(!isSafeHref(bad), bad)
  assert.ok(isSafeImageSrc('https://a.b/c.png'))
  assert.ok(!isSafeImageSrc('data:image/png;base64,AAAA'))
  assert.ok(!isSafeImageSrc('javascript:x'))
})
