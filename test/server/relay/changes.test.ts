/**
 * DocChanges reports each change to a document as one update: the applied
 * update's own bytes when they stand for the change, Yjs' encoding otherwise.
 * Whatever it reports, a document built from the reports alone must equal
 * the watched one (the relay stores and relays exactly those reports).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { DocChanges } from '../../../server/relay/changes.js'
import { seeded, seedFrom } from '../../helpers/random.js'

const QUIET = Symbol('quiet')

/** A watched document and what it reported. */
function watched() {
  const doc = new Y.Doc()
  const reports: { update: Uint8Array; origin: unknown }[] = []
  const changes = new DocChanges(doc, (update, transaction) => reports.push({ update, origin: transaction.origin }), QUIET)
  return { doc, changes, reports }
}

/** Every update `doc` emits from now on, in order. */
function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  return updates
}

/** A document made only from `updates`. */
function rebuilt(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}

function assertSameContent(actual: Y.Doc, expected: Y.Doc): void {
  assert.equal(actual.getText('t').toString(), expected.getText('t').toString())
  assert.deepEqual(Y.encodeStateVector(actual), Y.encodeStateVector(expected))
  assert.equal(actual.store.pendingStructs, null)
}

test('a whole update is reported as its own bytes, with its origin, and Yjs does not encode it again', () => {
  const source = new Y.Doc()
  const sent = recordUpdates(source)
  source.getText('t').insert(0, 'hello')
  source.getText('t').delete(1, 2)
  const { doc, changes, reports } = watched()
  changes.apply(sent[0]!, 'peer')
  changes.apply(sent[1]!, 'peer')
  assert.equal(reports.length, 2)
  assert.equal(reports[0]!.update, sent[0], 'the same bytes, not an encoding of them')
  assert.equal(reports[1]!.update, sent[1], 'a deletion alone is a change too')
  assert.deepEqual(reports.map((r) => r.origin), ['peer', 'peer'])
  // Nobody listens to Yjs' own event, so Yjs made no update of its own.
  assert.equal(doc._observers.has('update'), false)
  assertSameContent(rebuilt(reports.map((r) => r.update)), source)
})

test('an update that changes nothing is not reported', () => {
  const source = new Y.Doc()
  const sent = recordUpdates(source)
  source.getText('t').insert(0, 'once')
  const { changes, reports } = watched()
  changes.apply(sent[0]!, 'peer')
  changes.apply(sent[0]!, 'peer')
  assert.equal(reports.length, 1)
})

test('an update waiting for a dependency is reported only once it is integrated, by Yjs, with what it waited for', () => {
  const source = new Y.Doc()
  const sent = recordUpdates(source)
  source.getText('t').insert(0, 'ab')
  source.getText('t').insert(2, 'cd')
  const { doc, changes, reports } = watched()
  changes.apply(sent[1]!, 'late') // depends on the first: held back
  assert.equal(reports.length, 0)
  assert.notEqual(doc.store.pendingStructs, null)
  changes.apply(sent[0]!, 'early')
  assert.equal(reports.length, 1)
  assert.notEqual(reports[0]!.update, sent[0], 'the first update alone would lose the second')
  assertSameContent(rebuilt(reports.map((r) => r.update)), source)
})

test('other transactions are reported with Yjs encoding, and the quiet origin not at all', () => {
  const { doc, changes, reports } = watched()
  doc.transact(() => doc.getText('t').insert(0, 'local'), 'server')
  const loaded = new Y.Doc()
  loaded.getText('t').insert(0, 'stored ')
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(loaded), QUIET)
  const source = new Y.Doc()
  source.getText('t').insert(0, 'x')
  changes.apply(Y.encodeStateAsUpdate(source), 'peer')
  assert.deepEqual(reports.map((r) => r.origin), ['server', 'peer'])
  const mirror = rebuilt(reports.map((r) => r.update))
  Y.applyUpdate(mirror, Y.encodeStateAsUpdate(loaded))
  assertSameContent(mirror, doc)
})

test('an update Yjs gives up on half way is not reported as its bytes; what it integrated is', () => {
  const source = new Y.Doc({ gc: false }) // keeps the deleted text in the structs
  source.getText('t').insert(0, 'abcdef')
  source.getText('t').delete(0, 3)
  const whole = Y.encodeStateAsUpdate(source)
  // The structs are read and integrated first; the delete set at the end is cut short.
  const cut = whole.slice(0, whole.byteLength - 1)
  const { doc, changes, reports } = watched()
  assert.throws(() => changes.apply(cut, 'peer'))
  assert.equal(doc.getText('t').toString(), 'abcdef', 'the structs were integrated')
  assert.equal(reports.length, 1)
  assert.notEqual(reports[0]!.update, cut)
  assertSameContent(rebuilt(reports.map((r) => r.update)), doc)
})

test('updates from several writers, some late, some twice: the reports alone rebuild the document', () => {
  const random = seeded(seedFrom('CHANGES_SEED', 20261126))
  const writers = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
  writers.forEach((writer, i) => (writer.clientID = i + 1)) // the same run every time
  const sent: { update: Uint8Array; writer: Y.Doc }[] = []
  for (const writer of writers) writer.on('update', (update: Uint8Array) => sent.push({ update, writer }))
  for (let i = 0; i < 300; i++) {
    const writer = random.pick(writers)
    const text = writer.getText('t')
    if (text.length > 0 && random.chance(0.3)) text.delete(random.int(0, text.length - 1), 1)
    else text.insert(random.int(0, text.length), random.pick(['a', 'b', 'c']))
    // Writers hear from each other now and then, so later edits depend on others'.
    if (random.chance(0.2)) {
      const [a, b] = [random.pick(writers), random.pick(writers)]
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    }
  }
  // In order, except that now and then an update arrives after its writer's next one
  // (which waits for it), and some of those again at the end (changing nothing).
  const delivery = sent.map((s) => s.update)
  for (let i = 0; i < sent.length; i++) {
    if (!random.chance(0.1)) continue
    const next = sent.findIndex((s, j) => j > i && s.writer === sent[i]!.writer)
    if (next < 0) continue
    const late = sent[i]!.update
    delivery.splice(delivery.indexOf(late), 1)
    delivery.splice(delivery.indexOf(sent[next]!.update) + 1, 0, late)
    if (random.chance(0.3)) delivery.push(late)
  }
  const { doc, changes, reports } = watched()
  let own = 0
  for (const update of delivery) {
    const before = reports.length
    changes.apply(update, 'peer')
    if (reports.length > before && reports.at(-1)!.update === update) own++
  }
  for (const writer of writers) Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc))
  assert.equal(doc.getText('t').toString(), writers[0]!.getText('t').toString())
  assertSameContent(rebuilt(reports.map((r) => r.update)), doc)
  assert.ok(own > 0 && own < reports.length, `both kinds of report happen (${own} own of ${reports.length})`)
})
