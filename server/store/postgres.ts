/**
 * DocStore on PostgreSQL (node-postgres), for running several relays over one
 * database.
 *
 * Group commit, as in the SQLite store: appends queue up while the previous
 * transaction is in flight, and the next transaction writes all of them and
 * settles all their promises. One commit (one WAL flush) per batch, however
 * many clients are typing. A batch of appends only (nearly all of them) is a
 * single statement, so committing it is one round trip.
 *
 * Several relays may write the same document at once. Appends need no
 * coordination (each row is a Yjs update, and Yjs merges in any order), but
 * compaction does: a relay's in-memory state may lack rows another relay just
 * wrote, so compaction has the relay take the rows it replaces into the state,
 * deletes exactly those rows, and holds a per-document advisory lock while doing it
 * (a relay that finds the lock taken leaves the compacting to its holder).
 *
 * When PostgreSQL is unreachable a batch is retried, in order, until it
 * returns: the appends stay pending, so the relay neither relays nor
 * acknowledges them meanwhile (commit before relay), and it recovers alone.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Logger } from 'pino'
import type { DocInfo, DocStore, StateWith } from './store.js'
import { GroupCommitStore, type Batch, type StoreOp } from './batch.js'

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string
  log: Logger
  /** Longest wait between two attempts of a batch while PostgreSQL is away. */
  maxRetryDelayMs?: number
  /** How long a connection beyond the warm ones (WARM_CONNECTIONS) may sit idle before it is closed. */
  idleConnectionMs?: number
}

/**
 * Connections kept open however long the relay sits idle: the group commit's
 * and one for loads and versions beside it. pg's pool would close every idle
 * connection after ten seconds, so the first edit after a pause waited for a
 * new connection and a cold PostgreSQL backend (its catalog caches empty)
 * before it could be committed, and so relayed.
 */
const WARM_CONNECTIONS = 2

/** Bump when the schema changes, and add the step to MIGRATIONS. */
const MIGRATIONS: string[] = [
  `CREATE TABLE docs (
     name TEXT PRIMARY KEY,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     size BIGINT NOT NULL DEFAULT 0
   );
   CREATE TABLE updates (
     seq BIGSERIAL PRIMARY KEY,
     doc TEXT NOT NULL,
     data BYTEA NOT NULL
   );
   CREATE INDEX updates_by_doc ON updates (doc, seq);`,
  `ALTER TABLE docs ADD COLUMN title TEXT NOT NULL DEFAULT ''`,
  // Versions (server/store/postgres-versions.ts), named or automatic.
  `CREATE TABLE versions (
     id BIGSERIAL PRIMARY KEY,
     doc TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     label TEXT NOT NULL DEFAULT '',
     kind TEXT NOT NULL,
     authors JSONB NOT NULL DEFAULT '[]',
     title TEXT NOT NULL DEFAULT '',
     state BYTEA NOT NULL
   );
   CREATE INDEX versions_by_doc ON versions (doc, id);`,
  // Size and last change per document and writing store (see APPEND_SQL):
  // each relay adds to its own row, so relays appending to one document never
  // wait for each other's row lock. A document's size is docs.size plus its
  // rows here; compaction folds them back into docs.size.
  `CREATE TABLE doc_deltas (
     doc TEXT NOT NULL,
     writer TEXT NOT NULL,
     size BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     PRIMARY KEY (doc, writer)
   );`,
  // Versions as deltas on an earlier version (base), and versions thinned
  // away but still built on (hidden): server/versions/chain.ts.
  `ALTER TABLE versions ADD COLUMN base BIGINT, ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT false`,
]

/** Advisory lock key (any constant) that serialises schema migration across relays. */
const MIGRATION_LOCK = 0x74616e64 // "tand"

/** SQLSTATE classes and Node errors that mean "the server is away", not "the query is wrong". */
function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (typeof e.code === 'string') {
    if (e.code.startsWith('08')) return true // connection exception
    if (['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(e.code)) return true
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(e.message ?? '')
}

/**
 * Runs `fn` in a transaction on a connection of `pool`. A connection that
 * lost its server or could not even roll back is not handed to the next caller.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    const rolledBack = await client.query('ROLLBACK').then(() => true, () => false)
    broken = isUnreachable(err) || !rolledBack
    throw err
  } finally {
    client.release(broken)
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

type AppendOp = Extract<StoreOp, { kind: 'append' }>

/**
 * Writes a compaction: deletes the rows it replaces, inserts the merged row
 * and folds every relay's size delta into docs.size, which changes by the
 * merged row less the rows actually deleted. $1 name, $2 the replaced rows'
 * seqs, $3 the merged row, $4 now.
 */
const COMPACT_SQL = `
  WITH replaced AS (DELETE FROM updates WHERE seq = ANY($2::bigint[]) RETURNING octet_length(data) AS bytes),
       merged AS (INSERT INTO updates (doc, data) VALUES ($1, $3)),
       folded AS (DELETE FROM doc_deltas WHERE doc = $1 RETURNING size)
  INSERT INTO docs (name, created_at, updated_at, size)
  SELECT $1, $4, $4, octet_length($3::bytea) - (SELECT COALESCE(sum(bytes), 0) FROM replaced) + (SELECT COALESCE(sum(size), 0) FROM folded)
  ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at, size = docs.size + EXCLUDED.size`

/**
 * A run of appends as one statement: the rows in order, a `docs` row for a
 * document that has none, and this store's `doc_deltas` row of each document
 * (size, last change) brought up to date. One statement means one round
 * trip; on its own (the usual batch, appends only) it is its own
 * transaction, so a group commit costs one round trip instead of four
 * (BEGIN, two statements, COMMIT): each round trip is a wait for this
 * process to be scheduled again. And it locks no row another relay writes:
 * when every relay added to the document's `docs` row, each commit held that
 * row locked until its WAL flush, and the other relays' commits queued
 * behind it (benchmark scenario 7). A data-modifying WITH runs whether or not
 * its result is read. The `docs` row is inserted only when the statement's
 * snapshot has none: ON CONFLICT alone checks the unique index, and that
 * check waits for any transaction that updated the row (another relay's
 * compaction or fold) to end.
 */
const APPEND_SQL = `
  WITH appended AS (
    INSERT INTO updates (doc, data)
    SELECT doc, data FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS u(doc, data, n) ORDER BY n
  ), created AS (
    INSERT INTO docs (name, created_at, updated_at, size)
    SELECT name, $5, $5, 0 FROM unnest($3::text[]) AS s(name)
    WHERE NOT EXISTS (SELECT 1 FROM docs WHERE docs.name = s.name)
    ON CONFLICT (name) DO NOTHING
  )
  INSERT INTO doc_deltas (doc, writer, size, updated_at)
  SELECT name, $6, size, $5 FROM unnest($3::text[], $4::bigint[]) AS s(name, size)
  ON CONFLICT (doc, writer) DO UPDATE SET size = doc_deltas.size + EXCLUDED.size, updated_at = EXCLUDED.updated_at`

/**
 * APPEND_SQL for `run`, as a named statement: pg prepares it once per
 * connection, and PostgreSQL then skips parsing and planning it on every
 * group commit (an append on the store alone: median 0.96 / 0.90 ms unnamed,
 * 0.71 / 0.64 ms named). A pooler between the relay and PostgreSQL must keep
 * prepared statements (PgBouncer: session pooling, or transaction pooling
 * with max_prepared_statements).
 */
function appendQuery(run: AppendOp[], now: number, writer: string): pg.QueryConfig {
  const sizes = new Map<string, number>()
  for (const o of run) sizes.set(o.name, (sizes.get(o.name) ?? 0) + o.data.byteLength)
  return {
    name: 'tandem_append',
    text: APPEND_SQL,
    values: [run.map((o) => o.name), run.map((o) => toBuffer(o.data)), [...sizes.keys()], [...sizes.values()], now, writer],
  }
}

/**
 * Folds the other writers' `doc_deltas` rows of document $1 into `docs.size`
 * ($2 is this store's writer id). Every relay start writes under a new
 * writer id, so without this a document edited over many relay lifetimes
 * keeps one row per lifetime until it is compacted. Run when a relay loads
 * the document; the sum (the listed size) is unchanged, and a relay still
 * writing its row simply starts a new one with its next append.
 *
 * One statement (one round trip). It takes the document's advisory lock
 * (the one compaction holds) before it deletes a row, and only if it is
 * free: a compaction in progress folds every row itself, and waiting for it
 * could deadlock on the rows both delete. When there is nothing to fold it
 * writes nothing, so its commit flushes no WAL.
 */
const FOLD_SQL = `
  WITH locked AS (
    SELECT pg_try_advisory_xact_lock(hashtextextended('tandem:doc:' || $1, 0)) AS got
  ), folded AS (
    DELETE FROM doc_deltas WHERE doc = $1 AND writer <> $2 AND (SELECT got FROM locked)
    RETURNING size, updated_at
  )
  INSERT INTO docs (name, created_at, updated_at, size)
  SELECT $1, max(updated_at), max(updated_at), sum(size) FROM folded HAVING count(*) > 0
  ON CONFLICT (name) DO UPDATE SET size = docs.size + EXCLUDED.size, updated_at = GREATEST(docs.updated_at, EXCLUDED.updated_at)`

/** `ops` when it holds appends only (most batches), else null. */
function onlyAppends(ops: StoreOp[]): AppendOp[] | null {
  return ops.every((o) => o.kind === 'append') ? (ops as AppendOp[]) : null
}

export class PostgresStore extends GroupCommitStore implements DocStore {
  private readonly pool: pg.Pool
  /** The batch being written, if any; the next one waits for it. */
  private flushing: Promise<void> | null = null
  private readonly maxRetryDelayMs: number
  /** This store's key in doc_deltas. */
  private readonly writer = randomUUID()

  private constructor(private readonly options: PostgresStoreOptions) {
    super()
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 1000
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: 8,
      min: WARM_CONNECTIONS,
      idleTimeoutMillis: options.idleConnectionMs ?? 10_000,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    })
    // An idle connection that dies (server restart) must not crash the relay;
    // the next query opens a fresh one.
    this.pool.on('error', (err) => options.log.warn({ err: err.message }, 'PostgreSQL connection lost'))
  }

  /** Connects and brings the schema up to date (one relay at a time). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options)
    try {
      await store.migrate()
    } catch (err) {
      await store.pool.end()
      throw err
    }
    return store
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect()
    try {
      // Two relays starting together would both try CREATE TABLE; the lock
      // makes the second wait and then find the schema current.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
      await client.query('CREATE TABLE IF NOT EXISTS tandem_schema (version INTEGER NOT NULL)')
      const { rows } = await client.query<{ version: number }>('SELECT version FROM tandem_schema')
      const current = rows[0]?.version ?? 0
      for (let v = current; v < MIGRATIONS.length; v++) {
        await client.query('BEGIN')
        await client.query(MIGRATIONS[v]!)
        await client.query('DELETE FROM tandem_schema')
        await client.query('INSERT INTO tandem_schema (version) VALUES ($1)', [v + 1])
        await client.query('COMMIT')
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
      client.release()
    }
  }

  /**
   * The connection pool, for stores that keep their own tables in the same
   * database (versions: server/store/postgres-versions.ts).
   */
  get connections(): pg.Pool {
    return this.pool
  }

  async load(name: string): Promise<Uint8Array[]> {
    this.assertOpen()
    // Side by side on two connections: the fold delays the load by nothing
    // but its own round trip.
    const [{ rows }] = await Promise.all([
      this.pool.query<{ data: Buffer }>('SELECT data FROM updates WHERE doc = $1 ORDER BY seq', [name]),
      this.foldDeltas(name),
    ])
    return rows.map((r) => toBytes(r.data))
  }

  /** Housekeeping (FOLD_SQL): a failure is logged, never the load's. */
  private async foldDeltas(name: string): Promise<void> {
    try {
      await this.pool.query(FOLD_SQL, [name, this.writer])
    } catch (err) {
      this.options.log.warn({ doc: name, err: (err as Error).message }, 'could not fold the size rows of other relays')
    }
  }

  async list(): Promise<DocInfo[]> {
    this.assertOpen()
    const { rows } = await this.pool.query<DocInfo>(
      `SELECT name, title, GREATEST(d.updated_at, COALESCE(x.updated_at, 0))::float8 AS "updatedAt", (d.size + COALESCE(x.size, 0))::float8 AS size
       FROM docs d LEFT JOIN (SELECT doc, sum(size) AS size, max(updated_at) AS updated_at FROM doc_deltas GROUP BY doc) x ON x.doc = d.name
       ORDER BY "updatedAt" DESC, name`,
    )
    return rows
  }

  async delete(name: string): Promise<void> {
    this.assertOpen()
    await this.drain()
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM updates WHERE doc = $1', [name])
      await client.query('DELETE FROM docs WHERE name = $1', [name])
      await client.query('DELETE FROM doc_deltas WHERE doc = $1', [name])
      // A document created later under the same name must not inherit them.
      await client.query('DELETE FROM versions WHERE doc = $1', [name])
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.drain()
    await this.pool.end()
  }

  protected flushPending(): void {
    void this.flushNext()
  }

  /** Starts writing the pending batch unless one is in flight (it chains on). */
  private async flushNext(): Promise<void> {
    if (this.flushing || !this.pending) return
    const batch = this.pending
    this.pending = null
    this.flushing = this.writeWithRetry(batch)
    await this.flushing
    this.flushing = null
    if (this.pending) await this.flushNext()
  }

  /** Resolves once nothing is pending or in flight. */
  private async drain(): Promise<void> {
    while (this.flushing || this.pending) {
      if (this.flushing) await this.flushing
      else await this.flushNext()
    }
  }

  /**
   * Commits a batch in steps: its appends and titles, then each compaction
   * in a transaction of its own that takes the document's advisory lock (or
   * skips) before it touches a row. In one transaction with the appends, a
   * compaction held this relay's doc_deltas row while it waited for the lock,
   * and another relay's compaction, holding the lock, waited for that row: a
   * deadlock PostgreSQL breaks by aborting one (the relay then drops the
   * document). Compactions stay in the commit queue: run beside the appends,
   * they competed with them for the machine and the cross-relay tail grew
   * (bench/README.md, scenario 7).
   */
  private async writeWithRetry(batch: Batch): Promise<void> {
    const writes = batch.ops.filter((o) => o.kind !== 'compact')
    const steps: Array<() => Promise<unknown>> = []
    if (writes.length > 0) {
      const appends = onlyAppends(writes)
      steps.push(appends ? () => this.pool.query(appendQuery(appends, Date.now(), this.writer)) : () => inTransaction(this.pool, (client) => this.write(client, writes)))
    }
    for (const op of batch.ops) {
      if (op.kind === 'compact') steps.push(() => inTransaction(this.pool, (client) => this.compactLocked(client, op.name, op.state, Date.now())))
    }
    let delay = 50
    let done = 0
    for (let attempt = 1; ; attempt++) {
      try {
        // A retry resumes at the step that failed.
        for (; done < steps.length; done++) await steps[done]!()
        batch.committed()
        if (attempt > 1) this.options.log.info({ attempt }, 'PostgreSQL is back; pending updates committed')
        return
      } catch (err) {
        if (!isUnreachable(err) || this.closed) {
          batch.failed(err as Error)
          return
        }
        // Retrying may write a batch twice if the first COMMIT landed but its
        // answer was lost. That is harmless: applying a Yjs update again
        // changes nothing.
        if (attempt === 1) this.options.log.error({ err: (err as Error).message }, 'PostgreSQL unreachable; holding updates until it returns')
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, this.maxRetryDelayMs)
      }
    }
  }

  /** Writes appends and titles: each run of appends in one INSERT, each title on its own. */
  private async write(client: pg.PoolClient, ops: StoreOp[]): Promise<void> {
    const now = Date.now()
    for (let i = 0; i < ops.length; ) {
      const op = ops[i]!
      if (op.kind === 'title') {
        await client.query(
          `INSERT INTO docs (name, created_at, updated_at, size, title) VALUES ($1, $2, $2, 0, $3)
           ON CONFLICT (name) DO UPDATE SET title = EXCLUDED.title`,
          [op.name, now, op.title],
        )
        i++
        continue
      }
      if (op.kind === 'compact') throw new Error('compactions are committed on their own (writeWithRetry)')
      let j = i
      while (j < ops.length && ops[j]!.kind === 'append') j++
      const run = ops.slice(i, j) as AppendOp[]
      i = j
      await client.query(appendQuery(run, now, this.writer))
    }
  }

  /**
   * Replaces a document's rows with one: the state `state` encodes once it
   * has taken in every row it replaces (the relay applies them to its
   * document: rows it holds already change nothing, and that is far cheaper
   * than merging the whole state with them here, which took 5-26 ms of the
   * relay's thread for 500 rows of a small document and 97-163 ms for a
   * 1.3 MiB one). Rows another relay commits meanwhile are not among those read,
   * so they are not deleted; the advisory lock keeps two relays from
   * compacting the same document at once. The size changes by the merged
   * row less the rows it replaces, and every relay's delta of the document
   * is folded into docs.size.
   *
   * When another relay holds the lock it is compacting this document now
   * (relays writing one document at the same rate reach the threshold
   * together), and its compaction replaces the rows this one would: so this
   * one is skipped rather than queued behind it. Waiting held this relay's
   * commit queue for both compactions, 80-100 ms in benchmark scenario 7.
   */
  private async compactLocked(client: pg.PoolClient, name: string, state: StateWith, now: number): Promise<void> {
    const { rows: locks } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended('tandem:doc:' || $1, 0)) AS locked", [name])
    if (!locks[0]!.locked) {
      this.options.log.debug({ doc: name }, 'compaction skipped: another relay is compacting this document')
      return
    }
    // Read after the lock is held, in a statement (and snapshot) of its own,
    // so no compaction committed just before is missed.
    const { rows } = await client.query<{ seq: string; data: Buffer }>('SELECT seq, data FROM updates WHERE doc = $1', [name])
    const merged = state(rows.map((r) => toBytes(r.data)))
    // One statement, one round trip (the relay's commits wait behind a compaction).
    await client.query(COMPACT_SQL, [name, rows.map((r) => r.seq), toBuffer(merged), now])
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed')
  }
}
