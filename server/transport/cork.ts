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

/** Sockets corked in this tick. */
const corked = new Set<Duplex>()

/** Holds writes to `socket` until the end of the current tick. */
export function corkForThisTick(socket: Duplex): void {
  if (corked.has(socket)) return
  if (corked.size === 0) process.nextTick(uncorkAll)
  socket.cork()
  corked.add(socket)
}

function uncorkAll(): void {
  // uncork() may write, and a write may call back into the relay; iterate a copy.
  const sockets = [...corked]
  corked.clear()
  for (const socket of sockets) socket.uncork()
}
