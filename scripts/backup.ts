/**
 * `npm run backup -- FILE [--data-dir DIR]`: an online copy of the store,
 * safe while the relay runs. DATA_DIR is read as the relay reads it.
 */
import { parseConfig } from '../server/config.js'
import { backupStore } from '../server/store/backup.js'

const [file, ...flags] = process.argv.slice(2)
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: npm run backup -- FILE [--data-dir DIR]\n')
  process.exit(2)
}
const parsed = parseConfig(flags, process.env)
if (parsed.help) process.exit(0)
try {
  const { pages } = await backupStore(parsed.config.dataDir, file)
  process.stdout.write(`backed up ${parsed.config.dataDir} to ${file} (${pages} pages)\n`)
} catch (err) {
  process.stderr.write(`backup failed: ${(err as Error).message}\n`)
  process.exit(1)
}
