/**
 * DocStore on SQLite (better-sqlite3), one file in WAL mode.
 *
 * better-sqlite3 is synchronous, so each commit blocks the event loop. Group
 * commit keeps that cheap under load: appends queue up, and one
 * `setImmediate` later a single transaction writes every queued operation and
 * resolves all their promises. Every message read in one pass of the event
 * loop therefore shares one commit.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { DocInfo, DocStore } from './store.js'
import { GroupCommitStore, type StoreOp } from './batch.js'

/** How hard a commit is made to stick. */
export type Durability = 'process' | 'fsync'

export interface SqliteStoreOptions {
  /** Folder holding `tandem.db` (created if missing). */
  dataDir: string
  /**
   * 'process' (synchronous=NORMAL): a commit survives a killed process.
   * 'fsync' (synchronous=FULL): a commit also survives power loss.
   */
  durability: Durability
}

/**
 * The log: each document's rows in one range of the table's key (doc, seq).
 * WITHOUT ROWID keeps a row in the key's b-tree itself, so an append writes
 * one page of the table, not a row page plus an index page, and there is no
 * AUTOINCREMENT counter (a third page, sqlite_sequence) to bump. In the
 * many-rooms benchmark (mostly one update per group commit) that cut the
 * WAL writes per commit from ~9 to ~5.5 and SQLite's CPU per update by a
 * sixth (bench/README.md, fifth round).
 */
const UPDATES_TABLE = `
  CREATE TABLE IF NOT EXISTS updates (
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID`

/**
 * Databases made before the table above had a rowid table (seq AUTOINCREMENT
 * and an index on doc, seq). Its rows move to the new table once, in one
 * transaction, keeping each document's order (the old seq values are kept).
 */
function migrateUpdatesTable(db: Database.Database): void {
  const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'updates'").pluck().get() as string | undefined
  if (sql === undefined || /WITHOUT ROWID/i.test(sql)) return
  db.transaction(() => {
    db.exec('ALTER TABLE updates RENAME TO updates_rowid')
    db.exec(UPDATES_TABLE)
    db.exec('INSERT INTO updates (doc, seq, data) SELECT doc, seq, data FROM updates_rowid')
    db.exec('DROP TABLE updates_rowid') // its index goes with it
  })()
}

export class SqliteStore extends GroupCommitStore implements DocStore {
  private readonly db: Database.Database
  private readonly stmts
  /** Writes a batch's operations in one transaction. */
  private readonly writeBatch: (ops: StoreOp[], now: number) => void

  constructor(options: SqliteStoreOptions) {
    super()
    mkdirSync(options.dataDir, { recursive: true })
    this.db = new Database(join(options.dataDir, 'tandem.db'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.durability === 'fsync' ? 'FULL' : 'NORMAL'}`)
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS docs (
        name TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        size INTEGER NOT NULL DEFAULT 0
      );
    `)
    migrateUpdatesTable(this.db)
    this.db.exec(UPDATES_TABLE)
    // Databases created before titles existed gain the column.
    const columns = this.db.prepare("SELECT name FROM pragma_table_info('docs')").pluck().all()
    if (!columns.includes('title')) this.db.exec("ALTER TABLE docs ADD COLUMN title TEXT NOT NULL DEFAULT ''")
    this.stmts = {
      load: this.db.prepare('SELECT data FROM updates WHERE doc = ? ORDER BY seq').pluck(),
      // A document's rows are numbered 1, 2, ... in commit order; the next number is read from
      // the end of the document's own range of the key, the page the row then goes into.
      insert: this.db.prepare('INSERT INTO updates (doc, seq, data) VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM updates WHERE doc = ?), ?)'),
      deleteLog: this.db.prepare('DELETE FROM updates WHERE doc = ?'),
      touch: this.db.prepare(`
        INSERT INTO docs (name, created_at, updated_at, size) VALUES (@name, @now, @now, @bytes)
        ON CONFLICT (name) DO UPDATE SET updated_at = @now, size = size + @bytes`),
      resetSize: this.db.prepare('UPDATE docs SET size = @bytes, updated_at = @now WHERE name = @name'),
      setTitle: this.db.prepare(`
        INSERT INTO docs (name, created_at, updated_at, size, title) VALUES (@name, @now, @now, 0, @title)
        ON CONFLICT (name) DO UPDATE SET title = @title`),
      list: this.db.prepare('SELECT name, title, updated_at AS updatedAt, size FROM docs ORDER BY updated_at DESC, name'),
      deleteDoc: this.db.prepare('DELETE FROM docs WHERE name = ?'),
    }
    // Built once: each transaction() call makes four wrapper functions, 1.6-1.9 % of the busy
    // relay's main thread in scenario 1's profile when it was called per group commit.
    this.writeBatch = this.db.transaction((ops: StoreOp[], now: number) => {
      // Appended bytes per document: one docs-row update per document per
      // batch, not one per update (it was half the statements under load).
      const grown = new Map<string, number>()
      for (const op of ops) {
        if (op.kind === 'title') {
          this.stmts.setTitle.run({ name: op.name, now, title: op.title })
          continue
        }
        if (op.kind === 'compact') {
          // One relay writes this file, so its log holds nothing the relay's document lacks.
          const state = op.state([])
          this.stmts.deleteLog.run(op.name)
          this.stmts.insert.run(op.name, op.name, state)
          this.stmts.touch.run({ name: op.name, now, bytes: 0 })
          this.stmts.resetSize.run({ name: op.name, now, bytes: state.byteLength })
          grown.delete(op.name)
        } else {
          this.stmts.insert.run(op.name, op.name, op.data)
          grown.set(op.name, (grown.get(op.name) ?? 0) + op.data.byteLength)
        }
      }
      for (const [name, bytes] of grown) this.stmts.touch.run({ name, now, bytes })
    })
  }

  /**
   * The open database, for stores that keep their own tables in the same
   * file (versions: server/store/sqlite-versions.ts).
   */
  get database(): Database.Database {
    return this.db
  }

  async load(name: string): Promise<Uint8Array[]> {
    this.assertOpen()
    // Reads committed rows only, like any other backend would. The relay never
    // loads a document while appends to it are still pending.
    return (this.stmts.load.all(name) as Buffer[]).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
  }

  async list(): Promise<DocInfo[]> {
    this.assertOpen()
    return this.stmts.list.all() as DocInfo[]
  }

  async delete(name: string): Promise<void> {
    this.assertOpen()
    if (this.pending) this.flushPending()
    // The versions table exists once a SqliteVersionStore has opened this file.
    const hasVersions = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions'").get() !== undefined
    this.db.transaction(() => {
      this.stmts.deleteLog.run(name)
      this.stmts.deleteDoc.run(name)
      // A document created later under the same name must not inherit them.
      if (hasVersions) this.db.prepare('DELETE FROM versions WHERE doc = ?').run(name)
    })()
  }

  async close(): Promise<void> {
    if (this.closed) return
    if (this.pending) this.flushPending()
    this.closed = true
    this.db.close()
  }

  /** Writes every queued operation in one transaction, then settles them. */
  protected flushPending(): void {
    const batch = this.pending
    if (!batch) return
    this.pending = null
    try {
      this.writeBatch(batch.ops, Date.now())
    } catch (err) {
      batch.failed(err as Error)
      return
    }
    batch.committed()
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed')
  }
}
