/**
 * DocStore on SQLite (better-sqlite3), one file in WAL mode.
 *
 * better-sqlite3 is synchronous, so each commit blocks the event loop. Group
 * commit keeps that cheap under load: appends queue up, and one
 * `setImmediate` later (under load, once a millisecond has passed since the
 * last commit began) a single transaction writes every queued operation and
 * resolves all their promises. Every message read in one pass of the event
 * loop therefore shares one commit.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { DocInfo, DocStore } from './store.js'
import { GroupCommitStore, type StoreOp } from './batch.js'
import { WAL_SYNC_DELAY_MS, WalSync } from './wal-sync.js'

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
  /** How long a document's size and modification time may wait before its docs row gets them (ms). */
  metadataIntervalMs?: number
  /** Least time between the starts of two commits (ms); 0 commits in every turn of the event loop. */
  minCommitGapMs?: number
  /**
   * How long after a commit the write-ahead log is flushed in the background
   * (ms; durability 'process' only, where commits do not fsync); 0 never does.
   */
  walSyncDelayMs?: number
}

/**
 * A busy relay commits at most about once a millisecond, each commit taking
 * every update that arrived since the last one. Each commit has a cost of
 * its own on the relay's thread however little it writes (the transaction,
 * its locks, the WAL's header and checksums); with 10,000 clients in 2,000 documents
 * the relay made ~1,250 commits a second of 1.6 updates each, and this gap cut
 * its CPU by a tenth for ~1.3 ms more median latency (bench/README, ninth
 * round). A relay that commits less often than this never waits, nor does
 * one whose writes are too few for gathering to pay (see batch.ts).
 */
const MIN_COMMIT_GAP_MS = 1

/**
 * A document's size and modification time reach its docs row at most this
 * often, not with every commit: under many documents nearly every group
 * commit held one update, and updating that document's docs row put a second
 * page into the commit (a quarter of the store's CPU per update; bench/README,
 * ninth round). What is owed stays in memory meanwhile and list() adds it, so
 * the API is never behind; after a crash a row may lag by up to this long,
 * and load() puts its size right again.
 */
const METADATA_INTERVAL_MS = 1000

/** Size and modification time appended to a document since its docs row last got them. */
interface OwedMetadata {
  bytes: number
  at: number
}

/** What a written batch changed in documents' metadata. */
interface BatchWritten {
  /** Bytes appended per document (after its compaction, when it was compacted too). */
  grown: Map<string, OwedMetadata>
  /** Documents whose size the batch set outright: nothing appended before it is owed any more. */
  compacted: Set<string>
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
  private readonly writeBatch: (ops: StoreOp[], now: number) => BatchWritten
  /** Writes every owed size and time to the docs rows in one transaction. */
  private readonly writeOwedRows: () => void
  /** Per document: what was committed to its log but is not yet in its docs row. */
  private owed = new Map<string, OwedMetadata>()
  private readonly metadataIntervalMs: number
  private metadataTimer: NodeJS.Timeout | null = null
  /** Flushes the log between checkpoints (null at durability 'fsync', whose commits flush it). */
  readonly walSync: WalSync | null

  constructor(options: SqliteStoreOptions) {
    super()
    this.metadataIntervalMs = options.metadataIntervalMs ?? METADATA_INTERVAL_MS
    this.minCommitGapMs = options.minCommitGapMs ?? MIN_COMMIT_GAP_MS
    mkdirSync(options.dataDir, { recursive: true })
    const dbPath = join(options.dataDir, 'tandem.db')
    this.db = new Database(dbPath)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.durability === 'fsync' ? 'FULL' : 'NORMAL'}`)
    const walSyncDelayMs = options.walSyncDelayMs ?? WAL_SYNC_DELAY_MS
    this.walSync = options.durability === 'process' && walSyncDelayMs > 0 ? new WalSync(`${dbPath}-wal`, walSyncDelayMs) : null
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
      // The row a document is listed by, from its first append on; size and time come later.
      ensureRow: this.db.prepare('INSERT OR IGNORE INTO docs (name, created_at, updated_at, size) VALUES (?, ?, ?, 0)'),
      touch: this.db.prepare(`
        INSERT INTO docs (name, created_at, updated_at, size) VALUES (@name, @now, @now, @bytes)
        ON CONFLICT (name) DO UPDATE SET updated_at = max(updated_at, @now), size = size + @bytes`),
      sizeOf: this.db.prepare('SELECT size FROM docs WHERE name = ?').pluck(),
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
      // Appended bytes per document in this batch.
      const grown = new Map<string, OwedMetadata>()
      const compacted = new Set<string>()
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
          compacted.add(op.name)
        } else {
          this.stmts.insert.run(op.name, op.name, op.data)
          const entry = grown.get(op.name)
          if (entry) entry.bytes += op.data.byteLength
          else {
            grown.set(op.name, { bytes: op.data.byteLength, at: now })
            this.stmts.ensureRow.run(op.name, now, now)
          }
        }
      }
      return { grown, compacted }
    })
    this.writeOwedRows = this.db.transaction(() => {
      for (const [name, owed] of this.owed) this.stmts.touch.run({ name, now: owed.at, bytes: owed.bytes })
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
    const rows = this.stmts.load.all(name) as Buffer[]
    this.correctSize(name, rows)
    return rows.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
  }

  /**
   * A relay killed within a second of an append left its docs row short of
   * those bytes (they were owed); the log just read says what the size is.
   */
  private correctSize(name: string, rows: Buffer[]): void {
    const stored = this.stmts.sizeOf.get(name) as number | undefined
    if (stored === undefined) return
    let size = 0
    for (const row of rows) size += row.byteLength
    const owed = this.owed.get(name)
    const missing = size - stored - (owed?.bytes ?? 0)
    if (missing === 0) return
    // A time of 0 leaves the row's modification time as it is.
    if (owed) owed.bytes += missing
    else this.owed.set(name, { bytes: missing, at: 0 })
    this.writeOwedLater()
  }

  async list(): Promise<DocInfo[]> {
    this.assertOpen()
    const docs = this.stmts.list.all() as DocInfo[]
    if (this.owed.size === 0) return docs
    for (const doc of docs) {
      const owed = this.owed.get(doc.name)
      if (!owed) continue
      doc.size += owed.bytes
      doc.updatedAt = Math.max(doc.updatedAt, owed.at)
    }
    return docs.sort((a, b) => b.updatedAt - a.updatedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async delete(name: string): Promise<void> {
    this.assertOpen()
    if (this.pending) this.flushPending()
    this.owed.delete(name)
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
    this.stopWaitingForGap()
    if (this.pending) this.flushPending()
    if (this.metadataTimer) clearTimeout(this.metadataTimer)
    this.metadataTimer = null
    this.writeOwed()
    this.closed = true
    await this.walSync?.close()
    this.db.close()
  }

  /** Writes every queued operation in one transaction, then settles them. */
  protected flushPending(): void {
    const batch = this.pending
    if (!batch) return
    this.pending = null
    let written: BatchWritten
    try {
      written = this.writeBatch(batch.ops, Date.now())
    } catch (err) {
      batch.failed(err as Error)
      return
    }
    for (const name of written.compacted) this.owed.delete(name)
    for (const [name, { bytes, at }] of written.grown) {
      const owed = this.owed.get(name)
      if (owed) {
        owed.bytes += bytes
        owed.at = at
      } else this.owed.set(name, { bytes, at })
    }
    this.writeOwedLater()
    this.walSync?.committed()
    batch.committed()
  }

  /** Arms the timer that writes the owed metadata, unless it is armed or nothing is owed. */
  private writeOwedLater(): void {
    if (this.metadataTimer || this.owed.size === 0 || this.closed) return
    this.metadataTimer = setTimeout(() => {
      this.metadataTimer = null
      // A transaction of its own: one commit a second beside the batches' hundreds.
      if (!this.closed) this.writeOwed()
    }, this.metadataIntervalMs)
    // Owed metadata never holds a process open: close() writes it.
    this.metadataTimer.unref()
  }

  /** Writes every owed size and time to the docs rows now. */
  private writeOwed(): void {
    if (this.owed.size === 0) return
    try {
      this.writeOwedRows()
      this.owed = new Map()
      this.walSync?.committed()
    } catch {
      // The rows stay owed (list() still shows them) and the next try comes with the timer.
      this.writeOwedLater()
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed')
  }
}
