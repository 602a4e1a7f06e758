/**
 * Document names: 1-128 characters of [A-Za-z0-9._-], and never "." or "..",
 * so a name is always safe as a URL segment, a file name and a database key.
 */
const DOC_NAME = /^[A-Za-z0-9._-]{1,128}$/

/** True when `name` is an acceptable document name. */
export function isValidDocName(name: string): boolean {
  return DOC_NAME.test(name) && name !== '.' && name !== '..'
}

/** A fresh, unguessable document name (URL-safe, 16 characters). */
export function randomDocName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')
}
