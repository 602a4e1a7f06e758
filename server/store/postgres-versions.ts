/**
 * VersionStore on PostgreSQL, in the same database as the documents (it is
 * handed PostgresStore's pool). The `versions` table belongs to the
 * PostgreSQL store's schema and is created by its migrations, so relays
 * starting together never race to create it. A version is written in its own
 * statement; versions are rare (minutes apart), so no group commit.
 */
import type pg from 'pg'
import type { NewVersion, Version, VersionInfo, VersionKind, VersionStore } from './versions.js'
import { expired, KEEP_EVERYTHING, type Retention } from '../versions/retention.js'

interface Row {
  id: string
  createdAt: number
  label: string
  kind: VersionKind
  authors: string[]
  title: string
  state?: Buffer
}

const INFO = 'id, created_at::float8 AS "createdAt", label, kind, authors, title'

export class PostgresVersionStore implements VersionStore {
  /** Without `retention`, prune keeps everything. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly retention: Retention = KEEP_EVERYTHING,
  ) {}

  async add(doc: string, version: NewVersion): Promise<VersionInfo> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO versions (doc, created_at, label, kind, authors, title, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [doc, version.createdAt, version.label, version.kind, JSON.stringify(version.authors), version.title, toBuffer(version.state)],
    )
    const { state: _state, ...info } = version
    return { ...info, id: Number(rows[0]!.id) }
  }

  async list(doc: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${INFO} FROM versions WHERE doc = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
      [doc, options.before ?? Number.MAX_SAFE_INTEGER, options.limit],
    )
    return rows.map(toInfo)
  }

  async get(doc: string, id: number): Promise<Version | null> {
    const { rows } = await this.pool.query<Row>(`SELECT ${INFO}, state FROM versions WHERE doc = $1 AND id = $2`, [doc, id])
    const row = rows[0]
    if (!row) return null
    const state = row.state!
    return { ...toInfo(row), state: new Uint8Array(state.buffer, state.byteOffset, state.byteLength) }
  }

  /**
   * Two relays pruning one document at once are harmless: each removes only
   * versions with a newer one in the same slice, and the newest stays.
   */
  async prune(doc: string, now: number): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; createdAt: number }>(
      `SELECT id, created_at::float8 AS "createdAt" FROM versions WHERE doc = $1 AND kind = 'auto' AND label = ''`,
      [doc],
    )
    const drop = expired(rows.map((r) => ({ id: Number(r.id), createdAt: r.createdAt })), now, this.retention)
    if (drop.length > 0) await this.pool.query('DELETE FROM versions WHERE doc = $1 AND id = ANY($2::bigint[])', [doc, drop])
    return drop.length
  }
}

function toInfo(row: Row): VersionInfo {
  return { id: Number(row.id), createdAt: row.createdAt, label: row.label, kind: row.kind, authors: row.authors, title: row.title }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
