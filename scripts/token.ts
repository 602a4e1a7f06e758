/**
 * `npm run token -- --doc NAME --role viewer|commenter|editor --ttl 7d
 * [--name NAME] [--url https://docs.example.com]`: prints a share link
 * signed with AUTH_SECRET (read from the environment, as the relay reads it).
 */
import { parseArgs } from 'node:util'
import { parseConfig } from '../server/config.js'
import { ROLES, mintToken, parseTtl, type Role } from '../server/auth.js'
import { isValidDocName } from '../shared/docname.js'

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`)
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    doc: { type: 'string' },
    role: { type: 'string', default: 'viewer' },
    ttl: { type: 'string', default: '7d' },
    name: { type: 'string' },
    url: { type: 'string', default: process.env.PUBLIC_URL ?? 'http://127.0.0.1:1234' },
  },
})
const parsed = parseConfig([], process.env)
if (parsed.help || !parsed.config.authSecret) fail('set AUTH_SECRET (the same secret the relay runs with)')
const secret = parsed.config.authSecret
const doc = values.doc ?? fail('--doc NAME is required ("*" for every document)')
if (doc !== '*' && !isValidDocName(doc)) fail(`invalid document name "${doc}"`)
if (!ROLES.includes(values.role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`)
let ttlSeconds: number
try {
  ttlSeconds = parseTtl(values.ttl!)
} catch (err) {
  fail((err as Error).message)
}
const token = await mintToken(secret, { doc, role: values.role as Role, ttlSeconds, name: values.name })
const base = values.url!.replace(/\/+$/, '')
// A "*" token is for the API and /metrics, not a page.
process.stdout.write(doc === '*' ? `${token}\n` : `${base}/d/${doc}?token=${token}\n`)
