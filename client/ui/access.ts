/**
 * What this page may do, read from the share-link token in its URL. The
 * browser only decodes the token to shape the UI (read-only editor, Share
 * button); the relay verifies it and enforces the role whatever the UI does.
 */

/** The page's access, as its link grants it. */
export interface Access {
  /** The share-link token, passed to the relay; null on an open relay's plain link. */
  token: string | null
  role: 'viewer' | 'commenter' | 'editor'
  canWrite: boolean
  /** The holder's name, when the link was minted with one. */
  name?: string
}

/** The access granted by `?token=` in `search`; a plain link means an open relay: full access. */
export function readAccess(search: string): Access {
  const token = new URLSearchParams(search).get('token')
  if (!token) return { token: null, role: 'editor', canWrite: true }
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
    const role = payload.role === 'editor' || payload.role === 'commenter' ? payload.role : 'viewer'
    return { token, role, canWrite: role === 'editor', ...(typeof payload.name === 'string' ? { name: payload.name } : {}) }
  } catch {
    // An unreadable token: the relay will refuse it; until then, show nothing editable.
    return { token, role: 'viewer', canWrite: false }
  }
}

/** Shows the read-only banner above `page` when the link grants no editing. */
export function showAccessBanner(page: HTMLElement, access: Access): void {
  if (access.canWrite) return
  const banner = document.createElement('div')
  banner.className = 'access-banner'
  banner.id = 'access-banner'
  banner.setAttribute('role', 'status')
  banner.textContent =
    access.role === 'commenter'
      ? 'You can view this document (comments are coming). Changes by others appear live.'
      : 'View only: you can read this document; changes by others appear live.'
  page.before(banner)
}
