/**
 * VersionStore on SQLite, in the same database file as the documents (it is
 * handed SqliteStore's connection). A version is written in its own small
 * transaction; versions are rare (minutes apart), so no group commit.
 */
import type Database from 'better-sqlite3'
import type { NewVersion, Version, VersionInfo, VersionKind, VersionStore } from './versions.js'
import { expired, KEEP_EVERYTHING, type Retention } from '../versions/retention.js'

interface Row {
  id: number
  createdAt: number
  label: string
  kind: VersionKind
  authors: string
  title: string
  state?: Buffer
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
    this.stmts = {
      insert: db.prepare(`INSERT INTO versions (doc, created_at, label, kind, authors, title, state)
        VALUES (@doc, @createdAt, @label, @kind, @authors, @title, @state)`),
      list: db.prepare(`SELECT ${INFO} FROM versions WHERE doc = ? AND id < ? ORDER BY id DESC LIMIT ?`),
      get: db.prepare(`SELECT ${INFO}, state FROM versions WHERE doc = ? AND id = ?`),
      prunable: db.prepare(`SELECT id, created_at AS createdAt FROM versions WHERE doc = ? AND kind = 'auto' AND label = ''`),
      remove: db.prepare('DELETE FROM versions WHERE doc = ? AND id = ?'),
    }
  }

  async add(doc: string, version: NewVersion): Promise<VersionInfo> {
    const { lastInsertRowid } = this.stmts.insert.run({
      doc,
      createdAt: version.createdAt,
      label: version.label,
      kind: version.kind,
      authors: JSON.stringify(version.authors),
      title: version.title,
      state: version.state,
    })
    const { state: _state, ...info } = version
    return { ...info, id: Number(lastInsertRowid) }
  }

  async list(doc: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const rows = this.stmts.list.all(doc, options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as Row[]
    return rows.map(toInfo)
  }

  async get(doc: string, id: number): Promise<Version | null> {
    const row = this.stmts.get.get(doc, id) as Row | undefined
    if (!row) return null
    const state = row.state!
    return { ...toInfo(row), state: new Uint8Array(state.buffer, state.byteOffset, state.byteLength) }
  }

  async prune(doc: string, now: number): Promise<number> {
    const drop = expired(this.stmts.prunable.all(doc) as Array<{ id: number; createdAt: number }>, now, this.retention)
    this.db.transaction(() => {
      for (const id of drop) this.stmts.remove.run(doc, id)
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
