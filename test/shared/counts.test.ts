import { test } from 'node:test'
import assert from 'node:assert/strict'
import { countText } from '../../shared/counts.js'

test('Latin words are runs of letters and digits; inner apostrophes and hyphens do not split them', () => {
  assert.deepEqual(countText('Hello, world!'), { words: 2, characters: 13 })
  assert.equal(countText("Don't stop: well-known 3.14 items -- e.g. this").words, 7)
  assert.equal(countText('  lots   of\tspace  ').words, 3)
  assert.deepEqual(countText(''), { words: 0, characters: 0 })
  assert.deepEqual(countText(' — … !'), { words: 0, characters: 6 })
})

test('Korean, Cyrillic and Greek words are separated by spaces like Latin ones', () => {
  assert.equal(countText('안녕하세요 세계').words, 2)
  assert.equal(countText('Привет, мир').words, 2)
  assert.equal(countText('Καλημέρα κόσμε').words, 2)
  assert.equal(countText('Café naïve').words, 2)
})

test('each Han, Hiragana and Katakana character counts as a word', () => {
  assert.equal(countText('東京').words, 2)
  assert.equal(countText('こんにちは').words, 5)
  assert.equal(countText('我爱你').words, 3)
  // Mixed: Latin and Hangul runs are words, each ideograph is one more.
  assert.equal(countText('Tandem은 좋아요 東京 ok').words, 5)
})

test('characters are code points, not UTF-16 units, and block breaks are not counted', () => {
  assert.deepEqual(countText('👍 ok'), { words: 1, characters: 4 })
  assert.deepEqual(countText('one\ntwo'), { words: 2, characters: 6 })
  assert.deepEqual(countText('안녕하세요 세계'), { words: 2, characters: 8 })
})
