// Bench-only entry: Hocuspocus (@hocuspocus/server) with no extensions, in
// memory, on 127.0.0.1 and a free port. Prints one JSON line with the port.
// Clients speak Hocuspocus framing: document name before each message, and
// an auth message first (no onAuthenticate hook, so any token passes).
import { Server } from '@hocuspocus/server'

const server = new Server({
  port: Number(process.env.PORT || 0),
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: true,
})
await server.listen()
process.stdout.write(JSON.stringify({ port: server.address.port }) + '\n')
