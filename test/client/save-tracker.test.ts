import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SaveTracker, type SaveState } from '../../client/sync/save-tracker.js'

test('saved only once the relay acknowledged every update frame sent', () => {
  const t = new SaveTracker()
  t.opened()
  assert.equal(t.state, 'saved')
  t.sentFrame('update')
  t.sentFrame('update')
  assert.equal(t.state, 'saving')
  t.acknowledged(1)
  assert.equal(t.state, 'saving')
  t.acknowledged(2)
  assert.equal(t.state, 'saved')
})

test('frames that carry no content do not make the document unsaved', () => {
  const t = new SaveTracker()
  t.opened()
  t.sentFrame('other')
  assert.equal(t.state, 'saved')
})

test('a relay that dies before acknowledging never shows saved', () => {
  const t = new SaveTracker()
  t.opened()
  t.sentFrame('update')
  t.closed()
  assert.equal(t.state, 'unsaved')
  // A stale acknowledgement count from the next connection's start cannot cover it.
  t.opened()
  assert.equal(t.state, 'saving')
  t.sentFrame('update')
  t.acknowledged(1)
  assert.equal(t.state, 'saving', 'an update frame is not the resync that carries the lost edit')
  // The new connection's step 2 carries everything the relay lacks.
  t.sentFrame('sync-step2')
  t.acknowledged(2)
  assert.equal(t.state, 'saved')
})

test('edits made offline stay unsaved until the reconnect step 2 is acknowledged', () => {
  const t = new SaveTracker()
  t.opened()
  t.closed()
  assert.equal(t.state, 'saved')
  t.localChange()
  assert.equal(t.state, 'unsaved')
  t.opened()
  t.sentFrame('sync-step2')
  assert.equal(t.state, 'saving')
  t.acknowledged(1)
  assert.equal(t.state, 'saved')
})

test('local changes while connected are tracked by their frames, not by the change itself', () => {
  const t = new SaveTracker()
  t.opened()
  t.localChange()
  assert.equal(t.state, 'saved')
})

test('listeners hear each change of state once', () => {
  const t = new SaveTracker()
  const seen: SaveState[] = []
  t.onChange((s) => seen.push(s))
  t.opened()
  t.sentFrame('update')
  t.sentFrame('update')
  t.acknowledged(2)
  assert.deepEqual(seen, ['saving', 'saved'])
})
