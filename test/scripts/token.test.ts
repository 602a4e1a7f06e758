/** `npm run token` prints a share link whose token the relay accepts for exactly that role. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { verifyToken } from '../../server/auth.js'

const run = promisify(execFile)
const SECRET = 'cli-secret-cli-secret-cli-secret-0123'
const token = (args: string[], env: Record<string, string> = { AUTH_SECRET: SECRET }) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], { env: { PATH: process.env.PATH, ...env } })

test('npm run token prints a link with a token for that document, role and lifetime', async () => {
  const { stdout } = await token(['--doc', 'minutes', '--role', 'viewer', '--ttl', '7d', '--url', 'https://docs.example.com/'])
  const match = /^https:\/\/docs\.example\.com\/d\/minutes\?token=(\S+)\n$/.exec(stdout)
  assert.ok(match, stdout)
  const grant = await verifyToken(SECRET, match[1], 'minutes')
  assert.equal(grant.role, 'viewer')
  assert.ok(Math.abs(grant.exp - (Date.now() / 1000 + 7 * 86400)) < 60)
})

test('npm run token refuses to run without AUTH_SECRET or with a bad role', async () => {
  await assert.rejects(token(['--doc', 'x'], {}), (err: { code: number; stderr: string }) => err.code === 2 && /AUTH_SECRET/.test(err.stderr))
  await assert.rejects(token(['--doc', 'x', '--role', 'owner']), (err: { code: number; stderr: string }) => err.code === 2 && /--role/.test(err.stderr))
})
