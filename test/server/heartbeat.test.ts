import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Heartbeat } from '../../server/relay/heartbeat.js'

/** The heartbeat's timer is unref'd (it must not keep the relay alive); the tests keep the loop alive. */
function keepAlive(): () => void {
  const timer = setInterval(() => undefined, 1000)
  return () => clearInterval(timer)
}

/** A member that records the tick (by time) it was pinged on and resolves after `pings` pings. */
function member(pings: number) {
  const at: number[] = []
  let done!: () => void
  const finished = new Promise<void>((resolve) => (done = resolve))
  return {
    at,
    finished,
    heartbeat() {
      at.push(performance.now())
      if (at.length === pings) done()
    },
  }
}

test('every connection is pinged once per interval, a slice at a time, not all in one tick', async () => {
  const release = keepAlive()
  const intervalMs = 300
  const heartbeat = new Heartbeat(intervalMs, 10)
  const members = Array.from({ length: 40 }, () => member(2))
  for (const m of members) heartbeat.add(m)
  await Promise.all(members.map((m) => m.finished))
  heartbeat.stop()
  release()
  // Pinged once per interval: the second ping comes one interval after the first.
  for (const m of members) assert.ok(m.at[1]! - m.at[0]! >= intervalMs * 0.9, `pinged again after ${m.at[1]! - m.at[0]!} ms`)
  // Spread: 40 members in 10 slices is 4 per tick; group first pings by tick.
  const firsts = members.map((m) => m.at[0]!).sort((a, b) => a - b)
  const ticks: number[][] = []
  for (const t of firsts) {
    const last = ticks.at(-1)
    if (last && t - last[0]! < 5) last.push(t)
    else ticks.push([t])
  }
  assert.ok(ticks.length >= 10, `first pings fell in ${ticks.length} ticks`)
  assert.ok(Math.max(...ticks.map((t) => t.length)) <= 4, 'no tick pings more than its slice')
})

test('a connection that left is no longer pinged', async () => {
  const release = keepAlive()
  const heartbeat = new Heartbeat(100, 4)
  const gone = member(1)
  const stays = member(3)
  heartbeat.add(gone)
  heartbeat.add(stays)
  heartbeat.delete(gone)
  await stays.finished
  heartbeat.stop()
  release()
  assert.equal(gone.at.length, 0)
})
