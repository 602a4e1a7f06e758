/**
 * The shipped load balancer (deploy/nginx.conf, adapted only to loopback
 * ports) in front of two relays over one PostgreSQL and one Redis: stock
 * y-websocket clients connecting through it land on different relays and
 * still edit one document together. Real nginx, PostgreSQL and Redis.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connectStockClient, until } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir, useDatabase } from '../helpers/relay.js'
import { startPostgres, startRedis, type Service } from '../helpers/services.js'
import { shippedLoadBalancerConfig, startNginx, type Nginx } from '../helpers/nginx.js'
import type { Relay } from '../../server/relay.js'

let postgres: Service
let redis: Service
let dir: string
let relays: Relay[] = []
let nginx: Nginx | null = null

before(async () => {
  ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  useDatabase(postgres.url)
  dir = tempDir()
  relays = [await startTestRelay(dir, { redisUrl: redis.url }), await startTestRelay(dir, { redisUrl: redis.url })]
  nginx = await startNginx((port) => shippedLoadBalancerConfig(relays.map((r) => r.port), port))
})
after(async () => {
  await nginx?.stop()
  for (const relay of relays) await relay.close()
  await Promise.all([postgres?.destroy(), redis?.destroy()])
  removeDir(dir)
})

test('two stock clients through the shipped nginx config land on different relays and converge', { timeout: 30_000 }, async () => {
  const name = 'balanced'
  const first = await connectStockClient(nginx!.port, name)
  const second = await connectStockClient(nginx!.port, name)
  // Round robin: one WebSocket on each relay (proxied as WebSockets, or they would not have synced).
  assert.deepEqual(relays.map((r) => r.rooms.loaded(name)?.peerCount ?? 0), [1, 1], nginx!.errorLog())

  first.text.insert(0, 'one. ')
  second.text.insert(0, 'two. ')
  await Promise.all([first, second].map((c) => until(c.doc, 'update', () => c.text.length === 10)))
  assert.equal(first.text.toString(), second.text.toString())
  first.destroy()
  second.destroy()
})
