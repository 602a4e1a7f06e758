/**
 * Entry point: parse the configuration, start the relay, stop cleanly on
 * SIGINT/SIGTERM. Nothing else.
 */
import { ConfigError, helpText, parseConfig } from './config.js'
import { createLogger } from './log.js'
import { startRelay } from './relay.js'

let parsed
try {
  parsed = parseConfig(process.argv.slice(2), process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`tandem: ${err.message}\n`)
  process.exit(2)
}
if (parsed.help) {
  process.stdout.write(helpText() + '\n')
  process.exit(0)
}

const { config } = parsed
const log = createLogger(config.logLevel)
const relay = await startRelay(config, log)
log.info({ port: relay.port, host: config.host, store: config.databaseUrl ? 'postgres' : 'sqlite', ...(config.databaseUrl ? {} : { dataDir: config.dataDir, durability: config.durability }), fanout: config.redisUrl ? 'redis' : 'none' }, `Tandem relay listening on http://${config.host}:${relay.port}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    relay.close().then(
      () => {
        log.info('stopped')
        process.exit(0)
      },
      (err) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
