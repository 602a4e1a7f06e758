/**
 * Versions over HTTP against a real relay: automatic versions while a
 * document is edited, named versions, paging, rendering an old version, and
 * restoring one as a new edit while someone else is typing.
 */
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import { connectStockClient, drained, openRawSocket, until, type StockClient } from '../helpers/clients.js'
import { decodeMessage, encodeQueryAwareness, encodeSaveAckRequest, MessageType, type Message } from '../../shared/protocol.js'
import pino from 'pino'
import { openTestStore, removeDir, startTestRelay, tempDir, testConfig } from '../helpers/relay.js'
import { startRelay, versionsBeside, type Relay } from '../../server/relay.js'
import { MissingBase, type NewVersion, type VersionInfo, type VersionStore } from '../../server/store/versions.js'
import { MAX_DELTAS } from '../../server/versions/history.js'
import { retention } from '../../server/versions/retention.js'
import { schema } from '../../shared/schema.js'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../../shared/docmodel.js'
import { readDoc } from '../../server/render/ydoc.js'
import { parseConfig } from '../../server/config.js'

const INTERVAL_MS = 400
let dir: string
let relay: Relay
let docCounter = 0
const freshDoc = () => `ver-${process.pid}-${++docCounter}`
const url = (path: string) => `http://127.0.0.1:${relay.port}${path}`

before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir, { versionIntervalMs: INTERVAL_MS })
})
after(async () => {
  await relay.close()
  removeDir(dir)
})

/** A stock client whose awareness says its user is `name`. */
async function person(docName: string, name: string): Promise<StockClient> {
  const client = await connectStockClient(relay.port, docName)
  client.provider.awareness.setLocalStateField('user', { name, color: '#123456' })
  // The relay must know who it is before its edits arrive.
  const id = client.doc.clientID
  await untilRelayKnows(docName, id, name)
  return client
}

function untilRelayKnows(docName: string, id: number, name: string): Promise<void> {
  const room = relay.rooms.loaded(docName)!
  return until(room.awareness, 'change', () => room.awareness.getStates().get(id)?.user?.name === name)
}

/** The next version stored for `docName` on `on` (rejects after 10 s, a safety net). */
function nextVersion(docName: string, on: Relay = relay): Promise<VersionInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no version of ${docName}`)), 10_000)
    const listener = (name: string, version: VersionInfo) => {
      if (name !== docName) return
      clearTimeout(timer)
      on.history!.off('version', listener)
      resolve(version)
    }
    on.history!.on('version', listener)
  })
}

function paragraphs(doc: Y.Doc): string[] {
  return readDoc(doc).doc.content.content.map((node) => node.textContent)
}

/** Resolves once `doc` holds exactly these paragraphs (joined with "|"); the error shows what it held. */
async function untilParagraphs(doc: Y.Doc, expected: string): Promise<void> {
  await until(doc, 'update', () => paragraphs(doc).join('|') === expected).catch(() => {
    throw new Error(`expected "${expected}", got "${paragraphs(doc).join('|')}"`)
  })
}

function write(client: StockClient, texts: string[]): void {
  prosemirrorJSONToYXmlFragment(
    schema,
    { type: 'doc', content: texts.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })) },
    client.doc.getXmlFragment(CONTENT_FRAGMENT),
  )
}

/** The Y.XmlText inside paragraph `index`. */
function paragraphText(client: StockClient, index: number): Y.XmlText {
  return (client.doc.getXmlFragment(CONTENT_FRAGMENT).get(index) as Y.XmlElement).get(0) as Y.XmlText
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

test('an edited document gets an automatic version naming who edited, at most one per interval', async () => {
  const name = freshDoc()
  const ada = await person(name, 'Ada')
  let version = nextVersion(name)
  const firstEdit = Date.now()
  write(ada, ['first'])
  const first = await version
  assert.equal(first.kind, 'auto')
  assert.deepEqual(first.authors, ['Ada'])
  assert.ok(Date.now() - firstEdit >= INTERVAL_MS - 20, 'not before the interval')

  // Edits right after a version wait for the next interval, then land together.
  version = nextVersion(name)
  const afterFirst = Date.now()
  paragraphText(ada, 0).insert(5, ' and')
  paragraphText(ada, 0).insert(9, ' more')
  const second = await version
  assert.ok(Date.now() - afterFirst >= INTERVAL_MS - 20)
  const listed = (await (await fetch(url(`/api/docs/${name}/versions`))).json()) as { versions: VersionInfo[] }
  assert.deepEqual(listed.versions.map((v) => v.id), [second.id, first.id])
  ada.destroy()
})

test('the last person leaving after edits leaves a version behind at once', async () => {
  const name = freshDoc()
  const ada = await person(name, 'Ada')
  const bob = await person(name, 'Bob')
  write(ada, ['from Ada'])
  await until(bob.doc, 'update', () => paragraphs(bob.doc)[0] === 'from Ada')
  paragraphText(bob, 0).insert(0, 'Bob: ')
  await until(ada.doc, 'update', () => paragraphs(ada.doc)[0] === 'Bob: from Ada')
  const version = nextVersion(name)
  ada.destroy()
  bob.destroy()
  const saved = await version
  assert.deepEqual(saved.authors, ['Ada', 'Bob'])
  // Long before the interval would have passed: it was the leaving that saved it.
  const res = await fetch(url(`/api/docs/${name}/export?format=txt&version=${saved.id}`))
  assert.equal(await res.text(), 'Bob: from Ada\n')
})

test('a named version keeps its content while the document moves on, and pages newest first', async () => {
  const name = freshDoc()
  const ada = await person(name, 'Ada')
  ada.doc.getText(TITLE_TEXT).insert(0, 'Report')
  write(ada, ['draft one'])
  await relay.rooms.loaded(name)!.settled()
  await until(relay.rooms.loaded(name)!.doc, 'update', () => paragraphs(relay.rooms.loaded(name)!.doc)[0] === 'draft one')
  const named = await post(`/api/docs/${name}/versions`, { label: '  Draft 1  ' })
  assert.equal(named.status, 201)
  const { version } = (await named.json()) as { version: VersionInfo }
  assert.equal(version.label, 'Draft 1')
  assert.equal(version.kind, 'named')
  assert.equal(version.title, 'Report')
  assert.deepEqual(version.authors, ['Ada'])

  paragraphText(ada, 0).delete(0, 5)
  paragraphText(ada, 0).insert(0, 'final')
  await until(relay.rooms.loaded(name)!.doc, 'update', () => paragraphs(relay.rooms.loaded(name)!.doc)[0] === 'final one')
  const second = (await (await post(`/api/docs/${name}/versions`, { label: 'Final' })).json()) as { version: VersionInfo }

  const shown = (await (await fetch(url(`/api/docs/${name}/versions/${version.id}`))).json()) as { version: VersionInfo; doc: unknown }
  assert.equal(shown.version.label, 'Draft 1')
  assert.deepEqual(shown.doc, { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'draft one' }] }] })
  const old = await fetch(url(`/api/docs/${name}/export?format=md&version=${version.id}`))
  assert.match(old.headers.get('content-disposition')!, /filename="Report\.md"/)
  assert.equal(await old.text(), 'draft one\n')
  assert.equal(await (await fetch(url(`/api/docs/${name}/export?format=md`))).text(), 'final one\n')

  const page1 = (await (await fetch(url(`/api/docs/${name}/versions?limit=1`))).json()) as { versions: VersionInfo[]; next: number | null }
  assert.deepEqual(page1.versions.map((v) => v.label), ['Final'])
  assert.equal(page1.next, second.version.id)
  const page2 = (await (await fetch(url(`/api/docs/${name}/versions?limit=1&before=${page1.next}`))).json()) as { versions: VersionInfo[]; next: number | null }
  assert.deepEqual(page2.versions.map((v) => v.label), ['Draft 1'])
  ada.destroy()
})

test('version requests are refused with a reason', async () => {
  const name = freshDoc()
  assert.equal((await post(`/api/docs/${name}/versions`, { label: 'x' })).status, 404)
  const ada = await person(name, 'Ada')
  write(ada, ['x'])
  await relay.rooms.loaded(name)!.settled()
  assert.equal((await post(`/api/docs/${name}/versions`, { label: '' })).status, 400)
  assert.equal((await post(`/api/docs/${name}/versions`, { label: 'x'.repeat(101) })).status, 400)
  assert.equal((await fetch(url(`/api/docs/${name}/versions`), { method: 'POST', body: 'not json' })).status, 400)
  assert.equal((await fetch(url(`/api/docs/${name}/versions?limit=0`))).status, 400)
  assert.equal((await fetch(url(`/api/docs/${name}/versions/999999`))).status, 404)
  assert.equal((await post(`/api/docs/${name}/versions/999999/restore`, {})).status, 404)
  assert.equal((await fetch(url(`/api/docs/${name}/export?format=md&version=999999`))).status, 404)
  ada.destroy()
})

test('restoring is a live edit that keeps what another person types at the same moment', async () => {
  const name = freshDoc()
  const ada = await person(name, 'Ada')
  const bob = await person(name, 'Bob')
  write(ada, ['Intro', 'Body text'])
  await untilParagraphs(bob.doc, 'Intro|Body text')
  const { version: v1 } = (await (await post(`/api/docs/${name}/versions`, { label: 'Clean' })).json()) as { version: VersionInfo }

  // Ada changes the intro and adds a paragraph; Bob has seen it all.
  paragraphText(ada, 0).insert(5, ' changed')
  const extra = new Y.XmlElement('paragraph')
  extra.insert(0, [new Y.XmlText('Extra')])
  ada.doc.getXmlFragment(CONTENT_FRAGMENT).insert(2, [extra])
  await untilParagraphs(bob.doc, 'Intro changed|Body text|Extra')

  // Bob types into the body while his edit is still on its way (he is cut
  // off), and the restore lands on the relay first.
  bob.provider.disconnect()
  paragraphText(bob, 1).insert(9, ' typed by Bob')
  const restored = await post(`/api/docs/${name}/versions/${v1.id}/restore`, { by: 'Carol' })
  assert.equal(restored.status, 200)
  const { version: after } = (await restored.json()) as { version: VersionInfo }
  assert.equal(after.kind, 'restore')
  assert.equal(after.label, 'Restored Clean')
  assert.deepEqual(after.authors, ['Carol'])
  // Ada sees the restore live, without reconnecting.
  await untilParagraphs(ada.doc, 'Intro|Body text')

  bob.provider.connect()
  const expected = 'Intro|Body text typed by Bob'
  await untilParagraphs(ada.doc, expected)
  await untilParagraphs(bob.doc, expected)
  for (const doc of [ada.doc, bob.doc]) {
    const read = readDoc(doc)
    assert.equal(read.dropped.size, 0)
    assert.doesNotThrow(() => read.doc.check())
  }

  // The edits the restore replaced were saved first: restoring them undoes the restore.
  const { versions } = (await (await fetch(url(`/api/docs/${name}/versions`))).json()) as { versions: VersionInfo[] }
  assert.deepEqual(versions.map((v) => v.kind), ['restore', 'auto', 'named'])
  assert.deepEqual(versions[1]!.authors, ['Ada'])
  assert.equal((await post(`/api/docs/${name}/versions/${versions[1]!.id}/restore`, { by: 'Carol' })).status, 200)
  // Exactly that version's content: Bob's line was typed after it was taken.
  await untilParagraphs(bob.doc, 'Intro changed|Body text|Extra')
  ada.destroy()
  bob.destroy()
})

test('a restore of a document nobody has open is stored and served to the next visitor', async () => {
  const name = freshDoc()
  const ada = await person(name, 'Ada')
  write(ada, ['old'])
  await relay.rooms.loaded(name)!.settled()
  const { version } = (await (await post(`/api/docs/${name}/versions`, { label: 'old' })).json()) as { version: VersionInfo }
  paragraphText(ada, 0).insert(3, ' and new')
  const left = nextVersion(name)
  ada.destroy()
  await left
  assert.equal((await post(`/api/docs/${name}/versions/${version.id}/restore`, {})).status, 200)
  const later = await connectStockClient(relay.port, name)
  assert.deepEqual(paragraphs(later.doc), ['old'])
  later.destroy()
})

test('stopping the relay saves unsaved edits as a version first', async () => {
  const own = tempDir()
  const other = await startTestRelay(own)
  const name = freshDoc()
  const client = await connectStockClient(other.port, name)
  client.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#123456' })
  const room = other.rooms.loaded(name)!
  await until(room.awareness, 'change', () => room.awareness.getStates().get(client.doc.clientID)?.user?.name === 'Ada')
  write(client, ['last words'])
  await until(room.doc, 'update', () => paragraphs(room.doc)[0] === 'last words')
  await other.close()
  client.destroy()
  const reopened = await startTestRelay(own)
  try {
    const { versions } = (await (await fetch(`http://127.0.0.1:${reopened.port}/api/docs/${name}/versions`)).json()) as { versions: VersionInfo[] }
    assert.equal(versions.length, 1)
    assert.deepEqual(versions[0]!.authors, ['Ada'])
    const text = await (await fetch(`http://127.0.0.1:${reopened.port}/api/docs/${name}/export?format=txt&version=${versions[0]!.id}`)).text()
    assert.equal(text, 'last words\n')
  } finally {
    await reopened.close()
    removeDir(own)
  }
})

test('stopping the relay waits for a version already being stored (and thinned), so the store does not close under it', async () => {
  const own = tempDir()
  const config = testConfig(own)
  const store = await openTestStore(own)
  const real = (await versionsBeside(store, retention(config.versionKeepAllHours, config.versionKeepDailyDays)))!
  let entered!: () => void
  const adding = new Promise<void>((resolve) => (entered = resolve))
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const pruned: string[] = []
  // The real version store, with a gate in front of adding a version.
  const gated: VersionStore = {
    add: async (doc, version) => {
      entered()
      await gate
      return real.add(doc, version)
    },
    list: (doc, options) => real.list(doc, options),
    get: (doc, id) => real.get(doc, id),
    prune: async (doc, now) => {
      const removed = await real.prune(doc, now)
      pruned.push(doc)
      return removed
    },
  }
  const other = await startRelay(config, pino({ level: 'silent' }), store, gated)
  const name = freshDoc()
  try {
    const client = await connectStockClient(other.port, name)
    write(client, ['left at closing time'])
    const room = other.rooms.loaded(name)!
    await until(room.doc, 'update', () => paragraphs(room.doc)[0] === 'left at closing time')
    // The last peer leaves, so its version starts being stored; then the relay is told to stop.
    client.destroy()
    await adding
    let flushed = false
    const flushing = other.history!.flush().then(() => (flushed = true))
    // A whole turn of the event loop later, the flush before closing must still be waiting for that version.
    await new Promise(setImmediate)
    assert.equal(flushed, false, 'flush resolved while a version was still being stored')
    release()
    await flushing
    assert.deepEqual(pruned, [name], 'the version was thinned before the flush resolved')
    const [version] = await real.list(name, { limit: 1 })
    assert.ok(version, 'the version is stored')
  } finally {
    release()
    await other.close()
    removeDir(own)
  }
})

test('old automatic versions are thinned as new ones arrive; named versions stay', async () => {
  const own = tempDir()
  // No grace at all: every automatic version is at once down to one a week.
  const other = await startTestRelay(own, { versionIntervalMs: 100, versionKeepAllHours: 0, versionKeepDailyDays: 0 })
  const name = freshDoc()
  const client = await connectStockClient(other.port, name)
  try {
    let version = nextVersion(name, other)
    write(client, ['one'])
    const first = await version
    const named = (await (await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/versions`, {
      method: 'POST',
      body: JSON.stringify({ label: 'Kept' }),
    })).json()) as { version: VersionInfo }
    version = nextVersion(name, other)
    paragraphText(client, 0).insert(3, ' two')
    const second = await version
    const { versions } = (await (await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/versions`)).json()) as { versions: VersionInfo[] }
    assert.deepEqual(versions.map((v) => v.id), [second.id, named.version.id], `automatic version ${first.id} should be gone`)
    // The named version is a delta on the thinned one, which stays underneath it.
    const kept = await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/export?format=txt&version=${named.version.id}`)
    assert.equal(await kept.text(), 'one\n')
  } finally {
    client.destroy()
    await other.close()
    removeDir(own)
  }
})

/** A relay over a real SQLite version store whose `add` goes through `add` here (to watch or refuse what is stored). */
async function relayWithVersionAdd(add: (real: VersionStore, doc: string, version: NewVersion) => Promise<VersionInfo>): Promise<{ relay: Relay; own: string }> {
  const own = tempDir()
  const config = testConfig(own)
  const store = await openTestStore(own)
  const real = (await versionsBeside(store, retention(config.versionKeepAllHours, config.versionKeepDailyDays)))!
  const versions: VersionStore = {
    add: (doc, version) => add(real, doc, version),
    list: (doc, options) => real.list(doc, options),
    get: (doc, id) => real.get(doc, id),
    prune: (doc, now) => real.prune(doc, now),
  }
  return { relay: await startRelay(config, pino({ level: 'silent' }), store, versions), own }
}

test('versions of an open document are small deltas on the one before, a full state every MAX_DELTAS + 1, each read back whole', async () => {
  const added: NewVersion[] = []
  const { relay: other, own } = await relayWithVersionAdd((real, doc, version) => {
    added.push(version)
    return real.add(doc, version)
  })
  const name = freshDoc()
  const client = await connectStockClient(other.port, name)
  try {
    const texts: string[] = []
    const ids: number[] = []
    for (let n = 0; n < MAX_DELTAS + 3; n++) {
      const text = `line ${n} `.repeat(n === 0 ? 400 : 1)
      texts.push(text)
      const fragment = client.doc.getXmlFragment(CONTENT_FRAGMENT)
      if (n === 0) write(client, [text])
      else paragraphText(client, 0).insert(0, text)
      const room = other.rooms.loaded(name)!
      await until(room.doc, 'update', () => room.doc.getXmlFragment(CONTENT_FRAGMENT).toString() === fragment.toString())
      const res = await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/versions`, { method: 'POST', body: JSON.stringify({ label: `v${n}` }) })
      ids.push(((await res.json()) as { version: VersionInfo }).version.id)
    }
    const fulls = added.flatMap((v, n) => (v.base === undefined ? [n] : []))
    assert.deepEqual(fulls, [0, MAX_DELTAS + 1], 'a full state first and after MAX_DELTAS deltas')
    added.forEach((v, n) => {
      if (v.base !== undefined) assert.equal(v.base, ids[n - 1], `version ${n} builds on the one before`)
    })
    assert.ok(added[1]!.state.byteLength * 20 < added[0]!.state.byteLength, `a delta (${added[1]!.state.byteLength} B) is a fraction of the full state (${added[0]!.state.byteLength} B)`)
    for (const n of [1, MAX_DELTAS, MAX_DELTAS + 2]) {
      const res = await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/export?format=txt&version=${ids[n]}`)
      assert.equal(await res.text(), `${texts.slice(1, n + 1).reverse().join('')}${texts[0]}\n`, `version ${n}`)
    }
  } finally {
    client.destroy()
    await other.close()
    removeDir(own)
  }
})

test('when the version a delta would build on is gone (another relay thinned it), the full state is stored instead', async () => {
  const stored: NewVersion[] = []
  let refused = 0
  // The real store, except that the first delta finds its base gone.
  const { relay: other, own } = await relayWithVersionAdd(async (real, doc, version) => {
    if (version.base !== undefined && refused === 0) {
      refused++
      throw new MissingBase(doc, version.base)
    }
    stored.push(version)
    return real.add(doc, version)
  })
  const name = freshDoc()
  const client = await connectStockClient(other.port, name)
  const nameVersion = async (label: string) => {
    const res = await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/versions`, { method: 'POST', body: JSON.stringify({ label }) })
    assert.equal(res.status, 201)
    return ((await res.json()) as { version: VersionInfo }).version
  }
  try {
    write(client, ['first'])
    const room = () => other.rooms.loaded(name)!
    await until(room().doc, 'update', () => paragraphs(room().doc)[0] === 'first')
    await nameVersion('one')
    paragraphText(client, 0).insert(5, ' second')
    await until(room().doc, 'update', () => paragraphs(room().doc)[0] === 'first second')
    const two = await nameVersion('two')
    paragraphText(client, 0).insert(12, ' third')
    await until(room().doc, 'update', () => paragraphs(room().doc)[0] === 'first second third')
    await nameVersion('three')
    assert.equal(refused, 1)
    assert.deepEqual(stored.map((v) => v.base === undefined), [true, true, false], 'the refused delta was stored as a full state; the next builds on it')
    const res = await fetch(`http://127.0.0.1:${other.port}/api/docs/${name}/export?format=txt&version=${two.id}`)
    assert.equal(await res.text(), 'first second\n')
  } finally {
    client.destroy()
    await other.close()
    removeDir(own)
  }
})

test('VERSION_INTERVAL_MS and MAX_IMPORT_BYTES are read, with their defaults', () => {
  const defaults = parseConfig([], {})
  assert.ok(!defaults.help)
  assert.equal(defaults.config.versionIntervalMs, 600_000)
  assert.equal(defaults.config.maxImportBytes, 5 * 1024 * 1024)
  const parsed = parseConfig(['--max-import-bytes', '4096'], { VERSION_INTERVAL_MS: '1000' })
  assert.ok(!parsed.help)
  assert.equal(parsed.config.versionIntervalMs, 1000)
  assert.equal(parsed.config.maxImportBytes, 4096)
  assert.throws(() => parseConfig([], { VERSION_INTERVAL_MS: '5' }), /VERSION_INTERVAL_MS/)
})

test('VERSION_KEEP_ALL_HOURS and VERSION_KEEP_DAILY_DAYS are read, with their defaults', () => {
  const defaults = parseConfig([], {})
  assert.ok(!defaults.help)
  assert.equal(defaults.config.versionKeepAllHours, 24)
  assert.equal(defaults.config.versionKeepDailyDays, 30)
  const parsed = parseConfig(['--version-keep-daily-days', '90'], { VERSION_KEEP_ALL_HOURS: '48' })
  assert.ok(!parsed.help)
  assert.equal(parsed.config.versionKeepAllHours, 48)
  assert.equal(parsed.config.versionKeepDailyDays, 90)
  assert.throws(() => parseConfig([], { VERSION_KEEP_DAILY_DAYS: '-1' }), /VERSION_KEEP_DAILY_DAYS/)
})

test('edits that never made it into a version (a crash) are saved before a restore replaces them', async () => {
  const imported = await fetch(url('/api/docs/import'), { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: 'original\n' })
  const { name } = (await imported.json()) as { name: string }
  const { version } = (await (await post(`/api/docs/${name}/versions`, { label: 'original' })).json()) as { version: VersionInfo }
  // Written straight to the store, as if the relay had died before its next version.
  const ydoc = new Y.Doc()
  for (const update of await relay.store.load(name)) Y.applyUpdate(ydoc, update)
  const before = Y.encodeStateVector(ydoc)
  ;((ydoc.getXmlFragment(CONTENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(8, ' and unsaved')
  await relay.store.append(name, Y.encodeStateAsUpdate(ydoc, before))

  assert.equal((await post(`/api/docs/${name}/versions/${version.id}/restore`, {})).status, 200)
  const { versions } = (await (await fetch(url(`/api/docs/${name}/versions`))).json()) as { versions: VersionInfo[] }
  assert.deepEqual(versions.map((v) => v.kind), ['restore', 'auto', 'named'])
  const saved = await (await fetch(url(`/api/docs/${name}/export?format=txt&version=${versions[1]!.id}`))).text()
  assert.equal(saved, 'original and unsaved\n')
  assert.equal(await (await fetch(url(`/api/docs/${name}/export?format=txt`))).text(), 'original\n')
})

test('a recorded version is announced (VERSIONS_CHANGED) to Tandem clients only, never to stock ones', async () => {
  const name = freshDoc()
  const ada = await person(name, 'Ada')
  write(ada, ['announced'])
  // A client that speaks Tandem's extensions: it asked for SAVE_ACKs.
  const tandem = await openRawSocket(relay.port, `/ws/${name}`)
  const answered = new Promise((resolve) => tandem.on('message', (data: Buffer) => data[0] === MessageType.AWARENESS && resolve(undefined)))
  tandem.send(encodeSaveAckRequest())
  tandem.send(encodeQueryAwareness())
  await answered // both frames are handled: it is in the room and opted in
  const stockTypes: number[] = []
  ada.provider.ws!.addEventListener('message', (event: { data: ArrayBuffer }) => stockTypes.push(new Uint8Array(event.data)[0]!))

  const announced = new Promise<Message>((resolve) =>
    tandem.on('message', (data: Buffer) => data[0] === MessageType.VERSIONS_CHANGED && resolve(decodeMessage(new Uint8Array(data)))),
  )
  const res = await post(`/api/docs/${name}/versions`, { label: 'Announced' })
  assert.equal(res.status, 201)
  const { version } = (await res.json()) as { version: VersionInfo }
  assert.deepEqual(await announced, { kind: 'versions-changed', versionId: version.id })
  // Everything sent to the stock client before now has arrived: none of it is Tandem's.
  await drained(ada)
  assert.ok(stockTypes.length > 0)
  assert.ok(!stockTypes.includes(MessageType.VERSIONS_CHANGED), `stock client got ${stockTypes}`)
  // Automatic versions are announced too.
  const automatic = new Promise<Message>((resolve) =>
    tandem.on('message', (data: Buffer) => data[0] === MessageType.VERSIONS_CHANGED && resolve(decodeMessage(new Uint8Array(data)))),
  )
  const next = nextVersion(name)
  write(ada, ['edited again'])
  assert.deepEqual(await automatic, { kind: 'versions-changed', versionId: (await next).id })
  tandem.terminate()
  ada.destroy()
})
