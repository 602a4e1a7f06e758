/**
 * What the editor shows once its document was deleted (the relay closed the
 * socket with DOC_DELETED): a banner that says so, a read-only page, and no
 * copy left on this device, so opening the link again does not bring the
 * deleted document back from IndexedDB.
 */

/** Puts the "deleted" banner at the top of `page`; the text stays readable to copy from. */
export function showDeletedBanner(page: HTMLElement, listHref: string): void {
  if (page.querySelector('#deleted-banner')) return
  const banner = Object.assign(document.createElement('div'), { className: 'deleted-banner', id: 'deleted-banner' })
  banner.setAttribute('role', 'alert')
  const back = Object.assign(document.createElement('a'), { textContent: 'Back to the documents', href: listHref })
  banner.append(
    'This document was deleted by someone with edit access. What you see is read-only and is no longer saved anywhere; copy out anything you need before leaving. ',
    back,
  )
  page.prepend(banner)
}
