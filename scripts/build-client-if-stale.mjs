// Builds the editor (vite build) when dist/client is missing or older than any
// of its sources, so `npm start` always serves the current client.
import { statSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

const output = 'dist/client/index.html'
const sources = ['client', 'shared', 'vite.config.ts', 'package-lock.json']

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))))
}

const built = existsSync(output) ? statSync(output).mtimeMs : 0
if (built >= Math.max(...sources.map(newestMtime))) process.exit(0)

console.log('Building the editor (vite build)…')
const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
process.exit(result.status ?? 1)
