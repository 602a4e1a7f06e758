import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpuSeconds, cpuTimes } from '../../bench/servers.js'

test("a process's CPU seconds split into its own code's (user) and the kernel's (system), read from /proc", () => {
  const before = cpuTimes(process.pid)
  // Busy in JavaScript until Node itself counts 0.3 s of user time: /proc must show most of it as user time.
  const start = process.cpuUsage()
  let spin = 0
  while (process.cpuUsage(start).user < 300_000) spin += Math.sqrt(spin + 1)
  const after = cpuTimes(process.pid)
  assert.ok(after.user - before.user >= 0.2, `user time grew by ${after.user - before.user} s`)
  assert.ok(after.system >= before.system)
  const total = cpuSeconds(process.pid)
  assert.ok(Math.abs(total - (after.user + after.system)) <= 0.05, 'cpuSeconds is the sum of the two')
})
