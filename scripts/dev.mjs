// `npm run dev`: the relay on port 1234 plus Vite with hot reload on 5173,
// which forwards /ws to the relay. Ctrl-C stops both.
import { spawn } from 'node:child_process'

const children = [
  spawn('node', ['--import', 'tsx', '--watch', 'server/main.ts', ...process.argv.slice(2)], { stdio: 'inherit' }),
  spawn('npx', ['vite'], { stdio: 'inherit' }),
]
const stop = () => {
  for (const child of children) child.kill('SIGTERM')
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const child of children) child.on('exit', stop)
