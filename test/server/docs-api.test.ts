/**
 * Export and import over HTTP, against a real relay and SQLite file.
 */
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import { connectStockClient, until } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import type { Relay } from '../../server/relay.js'
import { schema } from '../../shared/schema.js'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../../shared/docmodel.js'
import { readDoc } from '../../server/render/ydoc.js'

let dir: string
let relay: Relay
let docCounter = 0
const freshDoc = () => `api-${process.pid}-${++docCounter}`
const url = (path: string) => `http://127.0.0.1:${relay.port}${path}`

before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir, { maxImportBytes: 2048 })
})
after(async () => {
  await relay.close()
  removeDir(dir)
})

const CONTENT = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Minutes' }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'We agreed on ' }, { type: 'text', marks: [{ type: 'bold' }], text: 'Friday' }] },
  ],
}

/** A document written by a stock client, committed (the relay relays only committed updates). */
async function writtenDoc(title: string): Promise<string> {
  const name = freshDoc()
  const writer = await connectStockClient(relay.port, name)
  const observer = await connectStockClient(relay.port, name)
  writer.doc.transact(() => {
    prosemirrorJSONToYXmlFragment(schema, CONTENT, writer.doc.getXmlFragment(CONTENT_FRAGMENT))
    writer.doc.getText(TITLE_TEXT).insert(0, title)
  })
  await until(observer.doc, 'update', () => observer.doc.getText(TITLE_TEXT).toString() === title && observer.doc.getXmlFragment(CONTENT_FRAGMENT).length === 2)
  writer.destroy()
  observer.destroy()
  return name
}

test('export answers Markdown, HTML and text with their type and the title as file name', async () => {
  const name = await writtenDoc('Réunion "Q3": plan/draft')
  const md = await fetch(url(`/api/docs/${name}/export?format=md`))
  assert.equal(md.status, 200)
  assert.equal(md.headers.get('content-type'), 'text/markdown; charset=utf-8')
  assert.equal(
    md.headers.get('content-disposition'),
    `attachment; filename="R_union Q3 plan draft.md"; filename*=UTF-8''R%C3%A9union%20Q3%20plan%20draft.md`,
  )
  assert.equal(await md.text(), '## Minutes\n\nWe agreed on **Friday**\n')

  const html = await fetch(url(`/api/docs/${name}/export?format=html`))
  assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8')
  assert.equal(html.headers.get('x-content-type-options'), 'nosniff')
  assert.match(html.headers.get('content-disposition')!, /filename\*=UTF-8''R%C3%A9union%20Q3%20plan%20draft\.html$/)
  const page = await html.text()
  assert.ok(page.includes('<title>Réunion &#34;Q3&#34;: plan/draft</title>'), page)
  assert.ok(page.includes('<h2>Minutes</h2><p>We agreed on <strong>Friday</strong></p>'))

  const txt = await fetch(url(`/api/docs/${name}/export?format=txt`))
  assert.equal(txt.headers.get('content-type'), 'text/plain; charset=utf-8')
  assert.equal(await txt.text(), 'Minutes\n\nWe agreed on Friday\n')
})

test('export reads a document that is no longer in memory from the store', async () => {
  const name = await writtenDoc('Stored')
  // A second relay over the same file has never loaded it: it must read the store.
  const other = await startTestRelay(dir, { port: 0 })
  try {
    const res = await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/export?format=txt`)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'Minutes\n\nWe agreed on Friday\n')
  } finally {
    await other.close()
  }
})

test('export refuses unknown documents, formats and names with a reason', async () => {
  const name = await writtenDoc('x')
  const missing = await fetch(url('/api/docs/never-written/export?format=md'))
  assert.equal(missing.status, 404)
  assert.match(((await missing.json()) as { error: string }).error, /no document/)
  assert.equal((await fetch(url(`/api/docs/${name}/export?format=pdf`))).status, 400)
  assert.equal((await fetch(url(`/api/docs/${name}/export`))).status, 400)
  assert.equal((await fetch(url('/api/docs/bad%2Fname/export?format=md'))).status, 400)
  assert.equal((await fetch(url(`/api/docs/${name}/export?format=md`), { method: 'POST' })).status, 405)
})

test('an untitled document downloads under its name', async () => {
  const name = await writtenDoc('')
  const res = await fetch(url(`/api/docs/${name}/export?format=txt`))
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="${name}.txt"; filename*=UTF-8''${name}.txt`)
})

test('importing Markdown creates a new document that peers open and export reads back', async () => {
  const source = '# Imported\n\nHello **world** and [a link](https://example.com)\n\n- [ ] todo\n- [x] done\n'
  const res = await fetch(url('/api/docs/import'), { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: source })
  assert.equal(res.status, 201)
  const created = (await res.json()) as { name: string; title: string; url: string }
  assert.equal(created.title, 'Imported')
  assert.equal(created.url, `/d/${created.name}`)
  const client = await connectStockClient(relay.port, created.name)
  assert.equal(client.doc.getText(TITLE_TEXT).toString(), 'Imported')
  const read = readDoc(client.doc)
  assert.equal(read.dropped.size, 0)
  assert.deepEqual(
    read.doc.content.content.map((n) => n.type.name),
    ['heading', 'paragraph', 'task_list'],
  )
  client.destroy()
  const md = await (await fetch(url(`/api/docs/${created.name}/export?format=md`))).text()
  assert.equal(md, '# Imported\n\nHello **world** and [a link](https://example.com)\n\n- [ ] todo\n\n- [x] done\n')
  const listed = (await (await fetch(url('/api/docs'))).json()) as { docs: Array<{ name: string; title: string }> }
  assert.ok(listed.docs.some((d) => d.name === created.name && d.title === 'Imported'))
})

test('importing HTML keeps what the schema knows and takes the title from ?title=', async () => {
  const res = await fetch(url('/api/docs/import?title=From%20the%20web'), {
    method: 'POST',
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<h1>Page</h1><p>a <a href="javascript:alert(1)">bad</a> <em>b</em></p><script>alert(1)</script>',
  })
  assert.equal(res.status, 201)
  const { name, title } = (await res.json()) as { name: string; title: string }
  assert.equal(title, 'From the web')
  const html = await (await fetch(url(`/api/docs/${name}/export?format=html`))).text()
  assert.ok(html.includes('<h1>Page</h1><p>a bad <em>b</em></p>'), html)
  assert.ok(!html.includes('javascript:'))
})

test('import refuses other media types with 415 and bodies over the limit with 413', async () => {
  const json = await fetch(url('/api/docs/import'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(json.status, 415)
  assert.match(((await json.json()) as { error: string }).error, /Markdown/)
  const big = await fetch(url('/api/docs/import'), { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: 'x'.repeat(4096) })
  assert.equal(big.status, 413)
  assert.match(((await big.json()) as { error: string }).error, /larger than 2048 bytes/)
  // Sent without a length up front: refused while streaming.
  const chunked = await fetch(url('/api/docs/import'), {
    method: 'POST',
    headers: { 'content-type': 'text/markdown' },
    body: new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(1024)))
        controller.close()
      },
    }),
    duplex: 'half',
  } as RequestInit)
  assert.equal(chunked.status, 413)
  assert.equal((await fetch(url('/api/docs/import'))).status, 405)
})
