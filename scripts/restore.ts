/**
 * `npm run restore -- FILE [--data-dir DIR]`: replaces the store with a
 * backup. Stop the relay first.
 */
import { mkdirSync } from 'node:fs'
import { parseConfig } from '../server/config.js'
import { restoreStore } from '../server/store/backup.js'

const [file, ...flags] = process.argv.slice(2)
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: npm run restore -- FILE [--data-dir DIR]   (stop the relay first)\n')
  process.exit(2)
}
const parsed = parseConfig(flags, process.env)
if (parsed.help) process.exit(0)
try {
  mkdirSync(parsed.config.dataDir, { recursive: true })
  restoreStore(file, parsed.config.dataDir)
  process.stdout.write(`restored ${file} into ${parsed.config.dataDir}; start the relay\n`)
} catch (err) {
  process.stderr.write(`restore failed: ${(err as Error).message}\n`)
  process.exit(1)
}
