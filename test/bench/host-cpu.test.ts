import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { addTicks, hostTicks, parseProcStat, stealPercent, ticksBetween } from '../../bench/host-cpu.js'

test('the cpu line of /proc/stat gives all ticks and the stolen ones (guest time is not counted twice)', () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const ticks = parseProcStat('cpu  100 0 50 800 10 0 5 35 20 0\ncpu0 50 0 25 400 5 0 2 18 10 0\n')
  assert.deepEqual(ticks, { total: 1000, stolen: 35 })
  assert.equal(stealPercent(ticks), 3.5)
})

test('steal between readings and over several runs', () => {
  const a = { total: 1000, stolen: 10 }
  const b = { total: 1400, stolen: 50 }
  assert.deepEqual(ticksBetween(a, b), { total: 400, stolen: 40 })
  assert.equal(stealPercent(addTicks([{ total: 400, stolen: 40 }, { total: 600, stolen: 0 }])), 4)
  assert.ok(Number.isNaN(stealPercent({ total: 0, stolen: 0 })), 'nothing measured reads n/a, not 0 %')
})

test('a file that is not /proc/stat is refused; this machine reads, or reads zeros without /proc', () => {
  assert.throws(() => parseProcStat('intr 1 2 3\n'), /expected the "cpu" line/)
  const now = hostTicks()
  if (existsSync('/proc/stat')) assert.ok(now.total > 0 && now.stolen >= 0 && now.stolen <= now.total)
  else assert.deepEqual(now, { total: 0, stolen: 0 })
})
