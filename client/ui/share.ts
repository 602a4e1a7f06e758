/**
 * The Share dialog: an editor asks the relay (POST /api/share) to mint a
 * view-only or an edit link for this document and copies it.
 */
import type { Access } from './access.js'
import './share.css'

const ROLES = [
  { role: 'viewer', label: 'View-only link' },
  { role: 'editor', label: 'Edit link' },
] as const

/** Adds a Share button to `toolbar` for editors; viewers get none. */
export function mountShare(toolbar: HTMLElement, docName: string, access: Access): void {
  if (!access.canWrite) return
  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'share-button'
  button.id = 'share-button'
  button.textContent = 'Share'
  toolbar.append(button)

  const dialog = document.createElement('dialog')
  dialog.className = 'share-dialog'
  dialog.id = 'share-dialog'
  dialog.innerHTML = `
    <h2>Share “<span class="share-doc"></span>”</h2>
    <p>Anyone with a link can open this document with its role until the link expires (7 days).</p>
    <div class="share-actions"></div>
    <label class="share-result" hidden>Link <input type="text" readonly id="share-link" /></label>
    <p class="share-error" role="alert" hidden></p>
    <form method="dialog"><button type="submit">Close</button></form>`
  dialog.querySelector('.share-doc')!.textContent = docName
  const actions = dialog.querySelector<HTMLElement>('.share-actions')!
  const result = dialog.querySelector<HTMLElement>('.share-result')!
  const output = dialog.querySelector<HTMLInputElement>('#share-link')!
  const error = dialog.querySelector<HTMLElement>('.share-error')!
  for (const { role, label } of ROLES) {
    const create = document.createElement('button')
    create.type = 'button'
    create.dataset.role = role
    create.textContent = label
    create.addEventListener('click', async () => {
      error.hidden = true
      try {
        const url = await createLink(docName, role, access.token)
        output.value = url
        result.hidden = false
        output.select()
        await navigator.clipboard?.writeText(url).catch(() => undefined)
      } catch (err) {
        error.textContent = (err as Error).message
        error.hidden = false
      }
    })
    actions.append(create)
  }
  document.body.append(dialog)
  button.addEventListener('click', () => dialog.showModal())
}

/** Asks the relay for a link; an open relay answers with the plain link. */
async function createLink(doc: string, role: string, token: string | null): Promise<string> {
  const response = await fetch('/api/share', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ doc, role, ttl: '7d' }),
  })
  const body = (await response.json()) as { url?: string; error?: string }
  if (!response.ok || !body.url) throw new Error(body.error ?? `the relay refused (${response.status})`)
  return new URL(body.url, location.origin).href
}
