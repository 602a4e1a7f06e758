/**
 * VersionStore on PostgreSQL, in the same database as the documents (it is
 * handed PostgresStore's pool). The `versions` table belongs to the
 * PostgreSQL store's schema and is created by its migrations, so relays
 * starting together never race to create it. A version is written in its own
 * statement; versions are rare (minutes apart), so no group commit. Most are
 * deltas on an earlier version (`base`); see server/store/versions.ts and
 * server/versions/chain.ts. Adding a delta and thinning take a per-document
 * advisory lock, so one relay never deletes the base another relay is
 * building on at that moment.
 */
import type pg from 'pg'
import { inTransaction } from './postgres.js'
import { MissingBase, type NewVersion, type Version, type VersionInfo, type VersionKind, type VersionStore } from './versions.js'
import { expired, KEEP_EVERYTHING, type Retention } from '../versions/retention.js'
import { unneeded } from '../versions/chain.js'

interface Row {
  id: string
  createdAt: number
  label: string
  kind: VersionKind
  authors: string[]
  title: string
}

const INFO = 'id, created_at::float8 AS "createdAt", label, kind, authors, title'

export class PostgresVersionStore implements VersionStore {
  /** Without `retention`, prune keeps everything. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly retention: Retention = KEEP_EVERYTHING,
  ) {}

  async add(doc: string, version: NewVersion): Promise<VersionInfo> {
    const { state: _state, base, ...info } = version
    const values = [doc, version.createdAt, version.label, version.kind, JSON.stringify(version.authors), version.title, toBuffer(version.state)]
    if (base === undefined) {
      const { rows } = await this.pool.query<{ id: string }>(
        `INSERT INTO versions (doc, created_at, label, kind, authors, title, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        values,
      )
      return { ...info, id: Number(rows[0]!.id) }
    }
    const id = await this.locked(doc, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO versions (doc, created_at, label, kind, authors, title, state, base)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM versions WHERE doc = $1 AND id = $8)
         RETURNING id`,
        [...values, base],
      )
      return rows[0]?.id
    })
    if (id === undefined) throw new MissingBase(doc, base)
    return { ...info, id: Number(id) }
  }

  async list(doc: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${INFO} FROM versions WHERE doc = $1 AND id < $2 AND NOT hidden ORDER BY id DESC LIMIT $3`,
      [doc, options.before ?? Number.MAX_SAFE_INTEGER, options.limit],
    )
    return rows.map(toInfo)
  }

  async get(doc: string, id: number): Promise<Version | null> {
    const { rows } = await this.pool.query<Row>(`SELECT ${INFO} FROM versions WHERE doc = $1 AND id = $2 AND NOT hidden`, [doc, id])
    const row = rows[0]
    if (!row) return null
    // One statement, one snapshot: the chain is whole even while another relay thins.
    const chain = await this.pool.query<{ state: Buffer }>(
      `WITH RECURSIVE chain (id, base, depth) AS (
         SELECT id, base, 0 FROM versions WHERE doc = $1 AND id = $2 AND NOT hidden
         UNION ALL
         SELECT v.id, v.base, chain.depth + 1 FROM versions v JOIN chain ON v.id = chain.base AND v.doc = $1
       )
       SELECT v.state FROM chain JOIN versions v ON v.id = chain.id ORDER BY chain.depth DESC`,
      [doc, id],
    )
    if (chain.rows.length === 0) return null
    return { ...toInfo(row), updates: chain.rows.map((r) => new Uint8Array(r.state.buffer, r.state.byteOffset, r.state.byteLength)) }
  }

  /**
   * Under the document's lock: two relays thinning one document at once
   * would each see the other's rows as still needed, or not.
   */
  async prune(doc: string, now: number): Promise<number> {
    return this.locked(doc, async (client) => {
      const { rows } = await client.query<{ id: string; createdAt: number }>(
        `SELECT id, created_at::float8 AS "createdAt" FROM versions WHERE doc = $1 AND kind = 'auto' AND label = '' AND NOT hidden`,
        [doc],
      )
      const drop = expired(rows.map((r) => ({ id: Number(r.id), createdAt: r.createdAt })), now, this.retention)
      if (drop.length === 0) return 0
      await client.query('UPDATE versions SET hidden = true WHERE doc = $1 AND id = ANY($2::bigint[])', [doc, drop])
      const chain = await client.query<{ id: string; base: string | null; hidden: boolean }>('SELECT id, base, hidden FROM versions WHERE doc = $1', [doc])
      const gone = unneeded(chain.rows.map((r) => ({ id: Number(r.id), base: r.base === null ? null : Number(r.base), hidden: r.hidden })))
      if (gone.length > 0) await client.query('DELETE FROM versions WHERE doc = $1 AND id = ANY($2::bigint[])', [doc, gone])
      return drop.length
    })
  }

  /** Runs `work` in a transaction holding the advisory lock of `doc`'s versions. */
  private locked<T>(doc: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('tandem:versions:' || $1, 0))", [doc])
      return work(client)
    })
  }
}

function toInfo(row: Row): VersionInfo {
  return { id: Number(row.id), createdAt: row.createdAt, label: row.label, kind: row.kind, authors: row.authors, title: row.title }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
