/** At start-up the relay says who can reach the documents, and warns when that is anyone on the network. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { removeDir, tempDir, testConfig } from '../helpers/relay.js'
import { startRelay } from '../../server/relay.js'
import type { Config } from '../../server/config.js'

/** The log lines a relay with `overrides` writes while starting. */
async function startupLog(overrides: Partial<Config>): Promise<Array<{ level: number; msg: string }>> {
  const dir = tempDir()
  const lines: Array<{ level: number; msg: string }> = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const relay = await startRelay(testConfig(dir, overrides), pino({ level: 'info' }, sink))
  await relay.close()
  removeDir(dir)
  return lines
}

test('an open relay on loopback says it is open', async () => {
  const lines = await startupLog({})
  assert.ok(lines.some((l) => l.level === 30 && /access control off/.test(l.msg)))
})

test('an open relay on a non-loopback address prints a warning', async () => {
  const lines = await startupLog({ host: '0.0.0.0' })
  assert.ok(lines.some((l) => l.level === 40 && /WARNING: no AUTH_SECRET/.test(l.msg)))
})

test('a relay with AUTH_SECRET says every connection needs a token', async () => {
  const lines = await startupLog({ host: '0.0.0.0', authSecret: 's'.repeat(32) })
  assert.ok(lines.some((l) => /access control on/.test(l.msg)))
  assert.ok(!lines.some((l) => l.level >= 40))
})
