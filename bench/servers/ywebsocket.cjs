// Bench-only entry: the classic y-websocket server (y-websocket@1.5.4's
// bin/utils setupWSConnection, installed as "y-websocket-ref"), in memory, on
// 127.0.0.1 and a free port. Prints one JSON line with the port, like Tandem.
// The document name is the URL path without its leading slash.
const http = require('node:http')
const { WebSocketServer } = require('ws')
const { setupWSConnection } = require('y-websocket-ref/bin/utils')

const server = http.createServer((_req, res) => {
  res.writeHead(200)
  res.end('ok')
})
// The same ws options as y-websocket's own bin/server.js.
const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
})
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0))
