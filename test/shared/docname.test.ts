import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isValidDocName, randomDocName } from '../../shared/docname.js'

test('document names are 1-128 characters of A-Z a-z 0-9 . _ -', () => {
  for (const good of ['a', 'Doc-1', 'notes_2026.11', 'x'.repeat(128), '...a']) assert.ok(isValidDocName(good), good)
  for (const bad of ['', '.', '..', 'x'.repeat(129), 'a/b', 'a b', '%2e', 'ünï', 'a\0']) assert.ok(!isValidDocName(bad), bad)
})

test('random document names are valid and distinct', () => {
  const names = new Set(Array.from({ length: 100 }, randomDocName))
  assert.equal(names.size, 100)
  for (const name of names) assert.ok(isValidDocName(name))
})
