import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, helpText, parseConfig } from '../../server/config.js'

const configOf = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseConfig(argv, env)
  assert.equal(parsed.help, false)
  return (parsed as Extract<typeof parsed, { help: false }>).config
}

test('defaults need no configuration', () => {
  const config = configOf([])
  assert.equal(config.port, 1234)
  assert.equal(config.host, '127.0.0.1')
  assert.match(config.dataDir, /\/data$/)
  assert.equal(config.durability, 'process')
  assert.equal(config.maxMessageBytes, 16 * 1024 * 1024)
  assert.equal(config.unloadGraceMs, 30_000)
})

test('flags override the environment, in both --flag value and --flag=value forms', () => {
  assert.equal(configOf([], { PORT: '8080' }).port, 8080)
  assert.equal(configOf(['--port', '9090'], { PORT: '8080' }).port, 9090)
  assert.equal(configOf(['--port=9091']).port, 9091)
  assert.equal(configOf([], { DURABILITY: 'fsync' }).durability, 'fsync')
})

test('unknown flags and invalid values are refused with a message naming them', () => {
  assert.throws(() => parseConfig(['--prot', '1'], {}), (e: Error) => e instanceof ConfigError && /--prot/.test(e.message))
  assert.throws(() => parseConfig([], { PORT: 'abc' }), /PORT: expected a whole number/)
  assert.throws(() => parseConfig(['--port', '70000'], {}), /--port: expected a number from 0 to 65535/)
  assert.throws(() => parseConfig(['--durability', 'maybe'], {}), /--durability: expected one of process, fsync/)
  assert.throws(() => parseConfig(['--port'], {}), /--port needs a value/)
})

test('--help is recognised and lists every option', () => {
  assert.deepEqual(parseConfig(['--help'], {}), { help: true })
  for (const word of ['--port', 'DATA_DIR', 'DURABILITY', '--unload-grace-ms']) assert.match(helpText(), new RegExp(word))
})

test('with no AUTH_SECRET the relay is open and /metrics is public; with one, /metrics needs a token', () => {
  const open = configOf([])
  assert.equal(open.authSecret, undefined)
  assert.equal(open.metrics, 'open')
  const closed = configOf([], { AUTH_SECRET: 'x'.repeat(32) })
  assert.equal(closed.authSecret, 'x'.repeat(32))
  assert.equal(closed.metrics, 'token')
  assert.equal(configOf(['--metrics', 'off'], { AUTH_SECRET: 'x'.repeat(32) }).metrics, 'off')
})

test('a short AUTH_SECRET is refused: HS256 with a guessable key protects nothing', () => {
  assert.throws(() => parseConfig([], { AUTH_SECRET: 'hunter2' }), /AUTH_SECRET: must be at least 32 characters/)
})

test('ALLOWED_ORIGINS is a comma-separated list', () => {
  assert.deepEqual(configOf([], { ALLOWED_ORIGINS: 'https://a.example, https://b.example' }).allowedOrigins, ['https://a.example', 'https://b.example'])
  assert.deepEqual(configOf([]).allowedOrigins, [])
})

test('without DATABASE_URL and REDIS_URL a relay stands alone on SQLite; with them it scales out', () => {
  const alone = configOf([])
  assert.equal(alone.databaseUrl, undefined)
  assert.equal(alone.redisUrl, undefined)
  const scaled = configOf([], { DATABASE_URL: 'postgres://tandem:secret@db:5432/tandem', REDIS_URL: 'redis://cache:6379' })
  assert.equal(scaled.databaseUrl, 'postgres://tandem:secret@db:5432/tandem')
  assert.equal(scaled.redisUrl, 'redis://cache:6379')
  assert.equal(configOf(['--database-url', 'postgresql://h/db']).databaseUrl, 'postgresql://h/db')
  assert.throws(() => parseConfig([], { DATABASE_URL: 'mysql://h/db' }), /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/)
  assert.throws(() => parseConfig([], { REDIS_URL: 'not a url' }), /REDIS_URL: expected a URL/)
})
