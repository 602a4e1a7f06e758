/**
 * Online backup: `npm run backup` copies the store while the relay runs and
 * takes writes; `npm run restore` brings that copy back.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { connectStockClient, until } from '../../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../../helpers/relay.js'

const run = promisify(execFile)
const script = (name: string, args: string[]) =>
  run(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { env: { PATH: process.env.PATH } })

test('a backup taken while the relay is writing restores everything stored before it began', async () => {
  const dir = tempDir()
  const backupDir = tempDir()
  const restoredDir = tempDir()
  const file = join(backupDir, 'tandem-backup.db')
  // In-process relay; the backup runs as its own process, as `npm run backup` does.
  const relay = await startTestRelay(dir)
  const writer = await connectStockClient(relay.port, 'backed-up')
  const reader = await connectStockClient(relay.port, 'backed-up')
  try {
    for (let i = 0; i < 200; i++) writer.text.insert(writer.text.length, `${i};`)
    await until(reader.doc, 'update', () => reader.text.toString().endsWith('199;'))
    const before = reader.text.toString()
    // Keep writing during the backup: it must not block the relay or tear the copy.
    let n = 0
    const writing = setInterval(() => writer.text.insert(writer.text.length, `during${n++};`), 2)
    const { stdout } = await script('backup', [file, '--data-dir', dir])
    clearInterval(writing)
    assert.match(stdout, /backed up/)
    writer.text.insert(writer.text.length, 'live;')
    await until(reader.doc, 'update', () => reader.text.toString().endsWith('live;'))

    await script('restore', [file, '--data-dir', restoredDir])
    const restored = await startTestRelay(restoredDir)
    const check = await connectStockClient(restored.port, 'backed-up')
    assert.ok(check.text.toString().startsWith(before), 'the backup lost content stored before it began')
    check.destroy()
    await restored.close()
  } finally {
    writer.destroy()
    reader.destroy()
    await relay.close()
    for (const d of [dir, backupDir, restoredDir]) removeDir(d)
  }
})

test('a backup never overwrites an existing file', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  try {
    const file = join(dir, 'tandem.db')
    await assert.rejects(script('backup', [file, '--data-dir', dir]), (err: { code: number; stderr: string }) => err.code === 1 && /exists/.test(err.stderr))
  } finally {
    await relay.close()
    removeDir(dir)
  }
})
