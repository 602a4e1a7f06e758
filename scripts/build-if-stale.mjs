// Builds what `npm start` runs, each part only when it is missing or older
// than any of its sources:
// - the editor (vite build) into dist/client, served by the relay;
// - the relay itself, bundled by esbuild from TypeScript into plain
//   JavaScript (dist/server/main.js), so production runs under plain `node`:
//   no tsx loader thread (its own V8 heap, ~40 MiB) and no start-up compiling.
// `--force` builds both regardless (npm run build).
import { statSync, readdirSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { build } from 'esbuild'

const force = process.argv.includes('--force')

const PARTS = [
  {
    name: 'the editor (vite build)',
    output: 'dist/client/index.html',
    sources: ['client', 'shared', 'vite.config.ts', 'package-lock.json'],
    build: async () => {
      const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
      if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`)
    },
  },
  {
    name: 'the relay (esbuild)',
    output: 'dist/server/main.js',
    sources: ['server', 'shared', 'package-lock.json', 'scripts/build-if-stale.mjs'],
    build: () => {
      // Chunk names carry content hashes: clear out the previous build's.
      rmSync('dist/server', { recursive: true, force: true })
      return build({
        entryPoints: ['server/main.ts'],
        outdir: 'dist/server',
        bundle: true,
        // Code loaded with import() (the PostgreSQL and Redis backends) goes
        // into its own chunk, so its dependencies load only when it does.
        splitting: true,
        chunkNames: 'chunks/[name]-[hash]',
        // Dependencies stay in node_modules, loaded as they are under tsx.
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: 'linked',
        logLevel: 'warning',
      })
    },
  },
]

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))))
}

for (const part of PARTS) {
  const built = existsSync(part.output) ? statSync(part.output).mtimeMs : 0
  if (!force && built >= Math.max(...part.sources.map(newestMtime))) continue
  console.log(`Building ${part.name}…`)
  try {
    await part.build()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
