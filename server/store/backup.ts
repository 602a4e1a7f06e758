/**
 * Online backup and restore of the SQLite store. Backup uses SQLite's backup
 * API, which copies a consistent snapshot page by page while the relay keeps
 * committing; restore swaps the file in while the relay is stopped.
 */
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** The database file of a data folder. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, 'tandem.db')
}

/** Copies the live store in `dataDir` to `target`; safe while the relay runs. */
export async function backupStore(dataDir: string, target: string): Promise<{ pages: number }> {
  const source = databaseFile(dataDir)
  if (!existsSync(source)) throw new Error(`no database at ${source}`)
  if (existsSync(target)) throw new Error(`${target} exists; refusing to overwrite a backup`)
  const db = new Database(source, { fileMustExist: true })
  try {
    const { totalPages } = await db.backup(target)
    return { pages: totalPages }
  } finally {
    db.close()
  }
}

/**
 * Replaces the store in `dataDir` with `backup`. The relay must be stopped:
 * a running relay would keep writing to the file it has open.
 */
export function restoreStore(backup: string, dataDir: string): void {
  // Check the backup is a readable Tandem database before touching anything.
  const check = new Database(backup, { readonly: true, fileMustExist: true })
  try {
    check.prepare('SELECT count(*) FROM updates').get()
  } finally {
    check.close()
  }
  const target = databaseFile(dataDir)
  // A stale write-ahead log would be replayed over the restored file.
  for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true })
  copyFileSync(backup, target)
}
