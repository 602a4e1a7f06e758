/**
 * Cross-relay fan-out over Redis pub/sub (REDIS_URL).
 *
 * Each document in memory is subscribed on its own channel. An update is
 * committed to the shared store first and published second, so whatever a
 * relay hears is already durable. Pub/sub delivers at most once, so whenever a
 * relay may have missed messages (its subscriber reconnected) it catches up
 * from the store, and whenever it may have published into the void (its
 * publisher reconnected) it tells the others to catch up.
 *
 * Every relay also announces itself on a heartbeat channel; one silent for
 * three beats is taken for dead, and its clients leave everyone's presence.
 * While Redis is unreachable relays keep serving their own clients.
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Fanout } from '../relay/fanout.js'
import type { DocStore } from '../store/store.js'
import { RoomLink, type Channel } from './link.js'
import { decodeRelayMessage, encodeRelayMessage, type RelayMessage } from './wire.js'

export interface RedisFanoutOptions {
  url: string
  store: DocStore
  log: Logger
  /** How often this relay announces it is alive. */
  heartbeatMs: number
}

const DOC_PREFIX = 'tandem:doc:'
const HEARTBEAT_CHANNEL = 'tandem:relays'
/** Beats a relay may miss before it is taken for dead. */
const MISSED_BEATS = 3
/** How long start-up waits for Redis before serving without it. */
const CONNECT_WAIT_MS = 2000

/** Emits 'listening' (boolean) when it starts or stops hearing the other relays. */
export class RedisFanout extends EventEmitter implements Fanout, Channel {
  readonly relayId = randomUUID()
  /** Publishes; its commands fail at once while disconnected instead of queueing. */
  private readonly pub: Redis
  /** Subscribes; after a reconnect it subscribes again and every room resyncs. */
  private readonly sub: Redis
  private readonly links = new Map<string, RoomLink>()
  /** When each other relay was last heard from. */
  private readonly lastHeard = new Map<string, number>()
  private readonly timer: NodeJS.Timeout
  private subscribed = false
  private pubWasReady = false
  private closed = false

  private constructor(private readonly options: RedisFanoutOptions) {
    super()
    const redisOptions = {
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
    }
    this.pub = new Redis(options.url, { ...redisOptions, connectionName: `tandem-pub-${this.relayId}` })
    this.sub = new Redis(options.url, { ...redisOptions, connectionName: `tandem-sub-${this.relayId}` })
    for (const [role, client] of [['publisher', this.pub], ['subscriber', this.sub]] as const) {
      let down = false
      client.on('error', (err: Error) => {
        if (!down) options.log.warn({ role, err: err.message }, 'Redis unreachable; serving this relay\'s clients only')
        down = true
      })
      client.on('ready', () => {
        if (down) options.log.info({ role }, 'Redis is back')
        down = false
      })
    }
    this.pub.on('ready', () => this.onPublisherReady())
    this.sub.on('ready', () => void this.onSubscriberReady())
    this.sub.on('close', () => this.setListening(false))
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message))
    this.timer = setInterval(() => this.beat(), options.heartbeatMs)
    this.timer.unref()
  }

  /** Connects both clients (waiting briefly: a relay starts even while Redis is down). */
  static async connect(options: RedisFanoutOptions): Promise<RedisFanout> {
    const fanout = new RedisFanout(options)
    await Promise.race([
      Promise.all([once(fanout.pub, 'ready'), once(fanout.sub, 'ready')]),
      new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref()),
    ])
    return fanout
  }

  /** True while subscribed: nothing other relays publish is being missed. */
  get listening(): boolean {
    return this.subscribed
  }

  join(name: string): RoomLink {
    return new RoomLink(name, this, this.options.store, this.options.log)
  }

  async subscribe(name: string, link: RoomLink): Promise<void> {
    this.links.set(name, link)
    if (this.sub.status !== 'ready') return // onSubscriberReady subscribes and resyncs
    try {
      await this.sub.subscribe(DOC_PREFIX + name)
    } catch {
      // Lost the connection meanwhile: onSubscriberReady covers it.
    }
  }

  unsubscribe(name: string, link: RoomLink): void {
    if (this.links.get(name) !== link) return
    this.links.delete(name)
    if (this.sub.status === 'ready') this.sub.unsubscribe(DOC_PREFIX + name).catch(() => undefined)
  }

  publish(name: string, message: RelayMessage): void {
    // While disconnected this fails at once; the RESYNC sent on reconnect
    // makes the others read what they missed from the store.
    if (this.pub.status === 'ready') this.pub.publish(DOC_PREFIX + name, Buffer.from(encodeRelayMessage(message))).catch(() => undefined)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    this.links.clear()
    // QUIT after what is queued, so the presence removals of this relay's
    // departing clients still go out; cut at once if Redis is away.
    if (this.pub.status === 'ready') await this.pub.quit().catch(() => this.pub.disconnect())
    else this.pub.disconnect()
    this.sub.disconnect()
  }

  private onPublisherReady(): void {
    if (this.pubWasReady) {
      for (const name of this.links.keys()) this.publish(name, { kind: 'resync', relay: this.relayId })
    }
    this.pubWasReady = true
    this.beat()
  }

  private async onSubscriberReady(): Promise<void> {
    try {
      await this.sub.subscribe(HEARTBEAT_CHANNEL, ...[...this.links.keys()].map((name) => DOC_PREFIX + name))
    } catch {
      return // disconnected again; the next 'ready' retries
    }
    // Anything published while we were not subscribed is in the store. The
    // catch-ups start before we say we are listening, so a client's first
    // sync waits for them.
    for (const link of this.links.values()) void link.resync()
    this.setListening(true)
  }

  private setListening(listening: boolean): void {
    if (this.subscribed === listening) return
    this.subscribed = listening
    this.emit('listening', listening)
  }

  private onMessage(channel: string, bytes: Buffer): void {
    if (channel === HEARTBEAT_CHANNEL) {
      const relay = bytes.toString()
      if (relay !== this.relayId) this.lastHeard.set(relay, Date.now())
      return
    }
    if (!channel.startsWith(DOC_PREFIX)) return
    let message: RelayMessage
    try {
      message = decodeRelayMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    } catch (err) {
      this.options.log.warn({ channel, err: (err as Error).message }, 'ignored a malformed relay message')
      return
    }
    if (message.relay !== this.relayId) this.lastHeard.set(message.relay, Date.now())
    this.links.get(channel.slice(DOC_PREFIX.length))?.receive(message)
  }

  /** Announces this relay, and buries the relays that stopped announcing. */
  private beat(): void {
    if (this.pub.status === 'ready') this.pub.publish(HEARTBEAT_CHANNEL, this.relayId).catch(() => undefined)
    const deadline = Date.now() - MISSED_BEATS * this.options.heartbeatMs
    for (const [relay, heard] of this.lastHeard) {
      if (heard >= deadline) continue
      this.lastHeard.delete(relay)
      this.options.log.info({ relay }, 'another relay went silent; removing its clients\' presence')
      for (const link of this.links.values()) link.relayGone(relay)
    }
  }
}

function once(client: Redis, event: string): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()))
}
