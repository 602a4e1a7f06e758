/**
 * The browser's side of the document API (server/api/docs.ts): versions,
 * restore, export links and import. Errors carry the relay's reason.
 */

/** A version as the relay lists it. */
export interface VersionInfo {
  id: number
  createdAt: number
  label: string
  kind: 'auto' | 'named' | 'restore'
  authors: string[]
  title: string
}

/** A page of versions, newest first; `next` asks for the older ones. */
export interface VersionPage {
  versions: VersionInfo[]
  next: number | null
}

const base = (doc: string) => `/api/docs/${encodeURIComponent(doc)}`

/** The share-link token of this page, if any: the relay checks it on every API call. */
const pageToken = new URLSearchParams(location.search).get('token')

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const auth: Record<string, string> = pageToken ? { authorization: `Bearer ${pageToken}` } : {}
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', ...auth, ...init?.headers } })
  const body = (await res.json().catch(() => ({}))) as T & { error?: string }
  if (!res.ok) throw new Error(body.error ?? `the relay answered ${res.status}`)
  return body
}

const postJson = <T>(url: string, body: unknown) =>
  call<T>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

/** Versions of `doc`, newest first, older than `before` when given. */
export function listVersions(doc: string, before?: number): Promise<VersionPage> {
  return call(`${base(doc)}/versions?limit=20${before ? `&before=${before}` : ''}`)
}

/** One version with its content as ProseMirror JSON. */
export function getVersion(doc: string, id: number): Promise<{ version: VersionInfo; doc: unknown }> {
  return call(`${base(doc)}/versions/${id}`)
}

/** Saves the document as it is now under `label`. */
export function nameVersion(doc: string, label: string): Promise<{ version: VersionInfo }> {
  return postJson(`${base(doc)}/versions`, { label })
}

/** Makes the document equal to version `id` again, as `by`'s edit. */
export function restoreVersion(doc: string, id: number, by: string): Promise<{ version: VersionInfo }> {
  return postJson(`${base(doc)}/versions/${id}/restore`, { by })
}

/** Where to download `doc` (or one of its versions) as md, html or txt. */
export function exportUrl(doc: string, format: 'md' | 'html' | 'txt', version?: number): string {
  // A download link cannot send a header, so it carries the token itself.
  const token = pageToken ? `&token=${encodeURIComponent(pageToken)}` : ''
  return `${base(doc)}/export?format=${format}${version ? `&version=${version}` : ''}${token}`
}

/** Creates a document from a Markdown or HTML file; resolves with its address. */
export async function importFile(file: File): Promise<{ name: string; url: string }> {
  const html = /\.html?$/i.test(file.name) || file.type === 'text/html'
  // The relay takes the title from the file (<title> or a leading heading).
  return call('/api/docs/import', {
    method: 'POST',
    headers: { 'content-type': html ? 'text/html' : 'text/markdown' },
    body: await file.text(),
  })
}

/** Sets the title of `doc`, as an edit by `by` that open editors see live. */
export function renameDoc(doc: string, title: string, by: string): Promise<{ title: string }> {
  return call(`${base(doc)}/title`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title, by }) })
}

/** Deletes `doc`, its history and its versions, for everyone. */
export function deleteDoc(doc: string): Promise<{ deleted: string }> {
  return call(base(doc), { method: 'DELETE' })
}
