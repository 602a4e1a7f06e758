/**
 * Access control: with AUTH_SECRET set, only a valid token for the document
 * opens a socket, and the relay itself enforces the token's role.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { SignJWT } from 'jose'
import { connectStockClient as connectClient, openRawSocket as openSocket, until, upgradeStatus, type StockClient } from '../helpers/clients.js'
import type WebSocket from 'ws'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { decodeMessage, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '../../shared/protocol.js'
import { mintToken, type Role } from '../../server/auth.js'
import type { Relay } from '../../server/relay.js'

const SECRET = 'test-secret-that-is-long-enough-0123456789'
let dir: string
let relay: Relay
before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir, { authSecret: SECRET, metrics: 'token' })
})
// Whatever a failing test leaves open is closed here, so a failure reports instead of hanging.
const leftOpen: Array<StockClient | WebSocket> = []
const connectStockClient = async (...args: Parameters<typeof connectClient>) => {
  const client = await connectClient(...args)
  leftOpen.push(client)
  return client
}
const openRawSocket = async (...args: Parameters<typeof openSocket>) => {
  const ws = await openSocket(...args)
  leftOpen.push(ws)
  return ws
}
after(async () => {
  for (const item of leftOpen) 'terminate' in item ? item.terminate() : item.destroy()
  await relay.close()
  removeDir(dir)
})

const token = (doc: string, role: Role, ttlSeconds = 3600) => mintToken(SECRET, { doc, role, ttlSeconds })

/** Everything the store holds for `name`, as one byte string. */
async function storedBytes(name: string): Promise<string> {
  return Buffer.concat(await relay.store.load(name)).toString('hex')
}

test('an upgrade without a valid token for the document is refused before anything loads', async () => {
  const forged = await new SignJWT({ doc: 'locked', role: 'editor' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('another-secret-another-secret-0123456789'))
  const expired = await new SignJWT({ doc: 'locked', role: 'editor' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
    .sign(new TextEncoder().encode(SECRET))
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"doc":"locked","role":"editor","exp":9999999999}').toString('base64url')}.`
  const badRole = await new SignJWT({ doc: 'locked', role: 'owner' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET))
  assert.equal(await upgradeStatus(relay.port, '/ws/locked'), 401, 'no token')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=${forged}`), 401, 'forged')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=${expired}`), 401, 'expired')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=${unsigned}`), 401, 'alg none')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=${badRole}`), 401, 'unknown role')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=garbage`), 401, 'garbage')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=${await token('other', 'editor')}`), 403, 'wrong doc')
  assert.equal(await upgradeStatus(relay.port, `/ws/..?token=${await token('*', 'editor')}`), 400, 'bad name')
  assert.equal(relay.rooms.has('locked'), false, 'a refused upgrade loaded the document')
  assert.equal(await upgradeStatus(relay.port, `/ws/locked?token=${await token('locked', 'viewer')}`), 101)
  assert.equal(await upgradeStatus(relay.port, '/ws/locked', { authorization: `Bearer ${await token('*', 'editor')}` }), 101)
})

test('a viewer changes 0 bytes of stored state even when it forces updates through', async () => {
  const name = 'viewer-forced'
  const editor = await connectStockClient(relay.port, name, new Y.Doc(), { token: await token(name, 'editor') })
  editor.text.insert(0, 'original')
  const witness = await connectStockClient(relay.port, name, new Y.Doc(), { token: await token(name, 'editor') })
  await until(witness.doc, 'update', () => witness.text.toString() === 'original')
  const before = await storedBytes(name)

  // A stock client with a viewer token that edits locally anyway...
  const viewer = await connectStockClient(relay.port, name, new Y.Doc(), { token: await token(name, 'viewer') })
  assert.equal(viewer.text.toString(), 'original')
  viewer.text.insert(0, 'VIEWER WAS HERE ')
  // ...and a raw socket that sends every kind of write frame.
  const raw = await openRawSocket(relay.port, `/ws/${name}?token=${await token(name, 'viewer')}`)
  const evil = new Y.Doc()
  evil.getText('t').insert(0, 'forced')
  const forced = Y.encodeStateAsUpdate(evil)
  raw.send(encodeSyncUpdate(forced))
  raw.send(encodeSyncStep2(forced))
  // A step 1 is answered only after everything applied before it is committed:
  // once its reply arrives, any write the relay accepted would be in the store.
  const replied = new Promise<void>((resolve) =>
    raw.on('message', (data: Buffer) => {
      if (decodeMessage(new Uint8Array(data)).kind === 'sync-step2') resolve()
    }),
  )
  raw.send(encodeSyncStep1(Y.encodeStateVector(evil)))
  await replied

  assert.equal(await storedBytes(name), before)
  assert.equal(relay.rooms.loaded(name)!.doc.getText('t').toString(), 'original')
  // The viewer stays connected and still receives live edits.
  editor.text.insert(editor.text.length, ' + live')
  await until(viewer.doc, 'update', () => viewer.text.toString().endsWith('original + live'))
  assert.equal(raw.readyState, raw.OPEN)
  assert.equal(witness.text.toString().includes('VIEWER'), false)
  assert.equal(witness.text.toString().includes('forced'), false)
  for (const client of [editor, witness, viewer]) client.destroy()
  raw.close()
})

test("a viewer's presence reaches editors, so others see where it is reading", async () => {
  const name = 'viewer-presence'
  const editor = await connectStockClient(relay.port, name, new Y.Doc(), { token: await token(name, 'editor') })
  const viewer = await connectStockClient(relay.port, name, new Y.Doc(), { token: await token(name, 'viewer') })
  viewer.provider.awareness.setLocalStateField('user', { name: 'reader' })
  await until(editor.provider.awareness, 'change', () =>
    [...editor.provider.awareness.getStates().values()].some((state) => state.user?.name === 'reader'),
  )
  editor.destroy()
  viewer.destroy()
})

test('a commenter cannot change the document text', async () => {
  const name = 'commenter'
  const raw = await openRawSocket(relay.port, `/ws/${name}?token=${await token(name, 'commenter')}`)
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'comment?')
  raw.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc)))
  const replied = new Promise<void>((resolve) =>
    raw.on('message', (data: Buffer) => {
      if (decodeMessage(new Uint8Array(data)).kind === 'sync-step2') resolve()
    }),
  )
  raw.send(encodeSyncStep1(new Uint8Array([0])))
  await replied
  assert.equal(await storedBytes(name), '')
  raw.close()
})

test('an editor mints share links; a viewer cannot, and a minted viewer link only reads', async () => {
  const name = 'shared'
  const share = (bearer: string | null, body: unknown) =>
    fetch(`http://127.0.0.1:${relay.port}/api/share`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    })
  assert.equal((await share(null, { doc: name, role: 'viewer' })).status, 401)
  assert.equal((await share(await token(name, 'viewer'), { doc: name, role: 'viewer' })).status, 403)
  assert.equal((await share(await token('elsewhere', 'editor'), { doc: name, role: 'viewer' })).status, 403)
  assert.equal((await share(await token(name, 'editor'), { doc: name, role: 'root' })).status, 400)
  const response = await share(await token(name, 'editor'), { doc: name, role: 'viewer', ttl: '1h' })
  assert.equal(response.status, 200)
  const { url, token: minted } = (await response.json()) as { url: string; token: string }
  assert.equal(url, `/d/${name}?token=${minted}`)
  assert.equal(await upgradeStatus(relay.port, `/ws/${name}?token=${minted}`), 101)
  assert.equal(await upgradeStatus(relay.port, `/ws/other?token=${minted}`), 403)

  const viewer = await connectStockClient(relay.port, name, new Y.Doc(), { token: minted })
  viewer.text.insert(0, 'nope')
  const probe = await connectStockClient(relay.port, name, new Y.Doc(), { token: await token(name, 'editor') })
  assert.equal(probe.text.toString(), '')
  viewer.destroy()
  probe.destroy()
})

test('every /api call and /metrics need a token; /metrics needs one for every document', async () => {
  const base = `http://127.0.0.1:${relay.port}`
  assert.equal((await fetch(`${base}/api/anything`)).status, 401)
  assert.equal((await fetch(`${base}/api/anything`, { headers: { authorization: `Bearer ${await token('x', 'viewer')}` } })).status, 404)
  assert.equal((await fetch(`${base}/metrics`)).status, 401)
  assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${await token('x', 'editor')}` } })).status, 403)
  const metrics = await fetch(`${base}/metrics?token=${await token('*', 'viewer')}`)
  assert.equal(metrics.status, 200)
  assert.match(await metrics.text(), /tandem_refusals_total\{code="401"\} \d+/)
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'health checks stay open')
})

test('a WebSocket from an origin outside ALLOWED_ORIGINS is refused', async () => {
  const small = tempDir()
  const guarded = await startTestRelay(small, { allowedOrigins: ['https://docs.example.com'] })
  assert.equal(await upgradeStatus(guarded.port, '/ws/doc', { origin: 'https://evil.example' }), 403)
  assert.equal(await upgradeStatus(guarded.port, '/ws/doc', { origin: 'https://docs.example.com' }), 101)
  await guarded.close()
  removeDir(small)
})

test('with no AUTH_SECRET the relay is open: anyone may connect and edit', async () => {
  const open = tempDir()
  const openRelay = await startTestRelay(open)
  const a = await connectStockClient(openRelay.port, 'open')
  a.text.insert(0, 'hi')
  const b = await connectStockClient(openRelay.port, 'open')
  await until(b.doc, 'update', () => b.text.toString() === 'hi')
  a.destroy()
  b.destroy()
  await openRelay.close()
  removeDir(open)
})


test('the document API (versions, export, import) needs a token for the document, and an editor to change it', async () => {
  const api = (path: string, init: RequestInit = {}, bearer?: string) =>
    fetch(`http://127.0.0.1:${relay.port}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    })
  const named = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'v1' }) }
  const writer = await connectStockClient(relay.port, 'guarded', new Y.Doc(), { token: await token('guarded', 'editor') })
  writer.doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
  const room = relay.rooms.loaded('guarded')!
  await until(room.doc, 'update', () => room.doc.getXmlFragment('prosemirror').length === 1)
  await room.settled()
  assert.equal((await api('/api/docs/guarded/export?format=txt')).status, 401)
  assert.equal((await api('/api/docs/guarded/versions')).status, 401)
  assert.equal((await api('/api/docs/guarded/export?format=txt', {}, await token('other', 'editor'))).status, 403)
  assert.equal((await api('/api/docs/guarded/export?format=txt', {}, await token('guarded', 'viewer'))).status, 200)
  assert.equal((await api(`/api/docs/guarded/export?format=txt&token=${await token('guarded', 'viewer')}`)).status, 200)
  assert.equal((await api('/api/docs/guarded/versions', named, await token('guarded', 'viewer'))).status, 403)
  assert.equal((await api('/api/docs/guarded/versions', named, await token('guarded', 'editor'))).status, 201)
  const importing = { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: '# Imported' }
  assert.equal((await api('/api/docs/import', importing)).status, 401)
  assert.equal((await api('/api/docs/import', importing, await token('guarded', 'editor'))).status, 403)
  assert.equal((await api('/api/docs/import', importing, await token('*', 'editor'))).status, 201)
})

test('renaming and deleting a document need an editor token for it (or for "*")', async () => {
  const api = async (path: string, method: string, bearer?: string, body?: unknown) =>
    (
      await fetch(`http://127.0.0.1:${relay.port}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).status
  const writer = await connectStockClient(relay.port, 'managed', new Y.Doc(), { token: await token('managed', 'editor') })
  writer.doc.getText('title').insert(0, 'Managed')
  const room = relay.rooms.loaded('managed')!
  await until(room.doc, 'update', () => room.doc.getText('title').toString() === 'Managed')
  await room.settled()
  const retitle = { title: 'Renamed' }
  assert.equal(await api('/api/docs/managed/title', 'PUT', undefined, retitle), 401)
  assert.equal(await api('/api/docs/managed/title', 'PUT', await token('other', 'editor'), retitle), 403)
  assert.equal(await api('/api/docs/managed/title', 'PUT', await token('managed', 'viewer'), retitle), 403)
  assert.equal(await api('/api/docs/managed/title', 'PUT', await token('managed', 'commenter'), retitle), 403)
  assert.equal(await api('/api/docs/managed', 'DELETE'), 401)
  assert.equal(await api('/api/docs/managed', 'DELETE', await token('other', 'editor')), 403)
  assert.equal(await api('/api/docs/managed', 'DELETE', await token('managed', 'viewer')), 403)
  assert.equal(writer.doc.getText('title').toString(), 'Managed', 'refused requests changed nothing')
  assert.ok((await relay.store.load('managed')).length > 0)
  // "import" is also a document name: deleting it needs a token for it, not the import rule.
  assert.equal(await api('/api/docs/import', 'DELETE', await token('import', 'viewer')), 403)
  assert.equal(await api('/api/docs/import', 'DELETE', await token('import', 'editor')), 404)
  assert.equal(await api('/api/docs/managed/title', 'PUT', await token('managed', 'editor'), retitle), 200)
  await until(writer.doc, 'update', () => writer.doc.getText('title').toString() === 'Renamed')
  assert.equal(await api('/api/docs/managed', 'DELETE', await token('*', 'editor')), 200)
  assert.equal((await relay.store.load('managed')).length, 0)
})
