/**
 * Scenario 8 reads a relay's memory through the DevTools protocol. A relay
 * that dies mid-scenario must fail the run with a reason, not leave the
 * benchmark waiting forever for an answer.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { openInspector } from '../../bench/inspector.js'
import { freePort } from '../helpers/services.js'

test('the inspector reads a child’s heap, and a call to a child that died rejects instead of hanging', { timeout: 30_000 }, async () => {
  const port = await freePort()
  const child = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, '-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = once(child, 'exit')
  try {
    let stderr = ''
    for await (const chunk of child.stderr!) {
      stderr += chunk
      if (stderr.includes('Debugger listening')) break
    }
    const inspector = await openInspector(port)
    assert.ok((await inspector.heapUsed()) > 0)
    await inspector.collectGarbage()
    // Stopped, the child cannot answer; then it dies with the call outstanding.
    child.kill('SIGSTOP')
    const pending = inspector.collectGarbage()
    child.kill('SIGKILL')
    await assert.rejects(pending, /inspector: the connection to the relay closed/)
    await assert.rejects(inspector.heapUsed(), /inspector: not connected/)
    inspector.close()
  } finally {
    child.kill('SIGKILL')
    await exited
  }
})
