import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keptNote, readStoredSections, sectionMarker } from '../../bench/kept.js'

test('a partial benchmark run keeps the sections and goal rows of the scenarios it did not run', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tandem-kept-')), 'RESULTS.md')
  const measured = new Date('2026-11-25T10:00:00.000Z')
  writeFileSync(
    path,
    [
      '# Tandem benchmark results',
      '',
      '## Goals',
      '',
      '| scenario | goal | met? | measured |',
      '| --- | --- | --- | --- |',
      '| 1 | cpu | yes | 0.5× |',
      '| 2 | rss | **no** | 1.1× |',
      '| 2 | p99 | yes | 3 ms |',
      '',
      sectionMarker(1, measured, 'abc1234'),
      '## 1. One busy room',
      '',
      '| a | b |',
      '',
      sectionMarker(2, measured, 'def5678+uncommitted'),
      '## 2. Many rooms',
      '',
      keptNote({ scenario: 2, measured: 'x', commit: 'y', text: '', goalRows: [] }),
      '',
      'body two',
      '',
    ].join('\n'),
  )
  const sections = readStoredSections(path)
  assert.deepEqual([...sections.keys()], [1, 2])
  const two = sections.get(2)!
  assert.equal(two.commit, 'def5678+uncommitted')
  assert.equal(two.measured, measured.toISOString())
  assert.deepEqual(two.goalRows, ['| 2 | rss | **no** | 1.1× |', '| 2 | p99 | yes | 3 ms |'])
  // The old note is not carried twice: it is written anew from the marker.
  assert.equal(two.text, '## 2. Many rooms\n\n\nbody two')
  assert.equal(sections.get(1)!.text, '## 1. One busy room\n\n| a | b |')
})

test('no stored sections without a results file', () => {
  assert.equal(readStoredSections(join(tmpdir(), 'no-such-tandem-results.md')).size, 0)
})
