/**
 * Frames sent to one socket in the same turn of the event loop leave in one
 * write. A group commit settles every update read in one turn at once, and
 * each of them goes to the same peers: without this, every frame is its own
 * `writev` system call, which was about half of the relay's busy time. The
 * socket is uncorked on `process.nextTick`, which runs once the current
 * callback and its promise reactions are done, so no frame waits for a later
 * turn: the batching costs no latency, and it grows only when the relay is
 * busy enough to settle several updates at once.
 */
import type { Duplex } from 'node:stream'

/**
 * Sockets corked in this tick: a new Set each tick, not one Set cleared. V8
 * links a cleared (or outgrown) Set's old table to its new one; once the
 * long-lived Set's table had reached the old generation, that link kept every
 * later table alive through young collections, and each was promoted to the
 * old generation in its turn (bench/README.md, eighth round).
 */
let corked = new Set<Duplex>()

/** Holds writes to `socket` until the end of the current tick. */
export function corkForThisTick(socket: Duplex): void {
  if (corked.has(socket)) return
  if (corked.size === 0) process.nextTick(uncorkAll)
  socket.cork()
  corked.add(socket)
}

function uncorkAll(): void {
  // uncork() may write, and a write may call back into the relay and cork
  // again: that goes into the next tick's Set.
  const sockets = corked
  corked = new Set()
  for (const socket of sockets) socket.uncork()
}
