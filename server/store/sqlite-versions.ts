/**
 * VersionStore on SQLite, in the same database file as the documents (it is
 * handed SqliteStore's connection). A version is written in its own small
 * transaction; versions are rare (minutes apart), so no group commit. Most
 * are deltas on an earlier version (`base`), a few bytes each; see
 * server/store/versions.ts and server/versions/chain.ts.
 */
import type Database from 'better-sqlite3'
import { MissingBase, type NewVersion, type Version, type VersionInfo, type VersionKind, type VersionStore } from './versions.js'
import { expired, KEEP_EVERYTHING, type Retention } from '../versions/retention.js'
import { unneeded, type ChainRow } from '../versions/chain.js'

interface Row {
  id: number
  createdAt: number
  label: string
  kind: VersionKind
  authors: string
  title: string
}

const INFO = 'id, created_at AS createdAt, label, kind, authors, title'

export class SqliteVersionStore implements VersionStore {
  private readonly stmts

  /** Without `retention`, prune keeps everything. */
  constructor(
    private readonly db: Database.Database,
    private readonly retention: Retention = KEEP_EVERYTHING,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS versions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        authors TEXT NOT NULL DEFAULT '[]',
        title TEXT NOT NULL DEFAULT '',
        state BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS versions_by_doc ON versions (doc, id);
    `)
    // Databases from before deltas hold full states only: base NULL, nothing hidden.
    const columns = db.prepare("SELECT name FROM pragma_table_info('versions')").pluck().all()
    if (!columns.includes('base')) db.exec('ALTER TABLE versions ADD COLUMN base INTEGER')
    if (!columns.includes('hidden')) db.exec('ALTER TABLE versions ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0')
    this.stmts = {
      insert: db.prepare(`INSERT INTO versions (doc, created_at, label, kind, authors, title, state, base)
        VALUES (@doc, @createdAt, @label, @kind, @authors, @title, @state, @base)`),
      exists: db.prepare('SELECT 1 FROM versions WHERE doc = ? AND id = ?').pluck(),
      list: db.prepare(`SELECT ${INFO} FROM versions WHERE doc = ? AND id < ? AND hidden = 0 ORDER BY id DESC LIMIT ?`),
      get: db.prepare(`SELECT ${INFO} FROM versions WHERE doc = ? AND id = ? AND hidden = 0`),
      // The version's state and those of its bases, back to a full state: oldest first.
      chain: db.prepare(`
        WITH RECURSIVE chain (id, base, depth) AS (
          SELECT id, base, 0 FROM versions WHERE doc = @doc AND id = @id
          UNION ALL
          SELECT v.id, v.base, chain.depth + 1 FROM versions v JOIN chain ON v.id = chain.base AND v.doc = @doc
        )
        SELECT v.state FROM chain JOIN versions v ON v.id = chain.id ORDER BY chain.depth DESC`).pluck(),
      prunable: db.prepare(`SELECT id, created_at AS createdAt FROM versions WHERE doc = ? AND kind = 'auto' AND label = '' AND hidden = 0`),
      chainRows: db.prepare('SELECT id, base, hidden FROM versions WHERE doc = ?'),
      hide: db.prepare('UPDATE versions SET hidden = 1 WHERE doc = ? AND id = ?'),
      remove: db.prepare('DELETE FROM versions WHERE doc = ? AND id = ?'),
    }
  }

  async add(doc: string, version: NewVersion): Promise<VersionInfo> {
    // Synchronous from check to insert, so no prune can remove the base in between.
    if (version.base !== undefined && this.stmts.exists.get(doc, version.base) === undefined) throw new MissingBase(doc, version.base)
    const { lastInsertRowid } = this.stmts.insert.run({
      doc,
      createdAt: version.createdAt,
      label: version.label,
      kind: version.kind,
      authors: JSON.stringify(version.authors),
      title: version.title,
      state: version.state,
      base: version.base ?? null,
    })
    const { state: _state, base: _base, ...info } = version
    return { ...info, id: Number(lastInsertRowid) }
  }

  async list(doc: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const rows = this.stmts.list.all(doc, options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as Row[]
    return rows.map(toInfo)
  }

  async get(doc: string, id: number): Promise<Version | null> {
    const row = this.stmts.get.get(doc, id) as Row | undefined
    if (!row) return null
    const states = this.stmts.chain.all({ doc, id }) as Buffer[]
    return { ...toInfo(row), updates: states.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) }
  }

  async prune(doc: string, now: number): Promise<number> {
    const drop = expired(this.stmts.prunable.all(doc) as Array<{ id: number; createdAt: number }>, now, this.retention)
    if (drop.length === 0) return 0
    this.db.transaction(() => {
      for (const id of drop) this.stmts.hide.run(doc, id)
      const rows = (this.stmts.chainRows.all(doc) as Array<{ id: number; base: number | null; hidden: number }>).map(
        (r): ChainRow => ({ id: r.id, base: r.base, hidden: r.hidden === 1 }),
      )
      for (const id of unneeded(rows)) this.stmts.remove.run(doc, id)
    })()
    return drop.length
  }
}

function toInfo(row: Row): VersionInfo {
  return {
    id: row.id,
    createdAt: row.createdAt,
    label: row.label,
    kind: row.kind,
    authors: JSON.parse(row.authors) as string[],
    title: row.title,
  }
}
