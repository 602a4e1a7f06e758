/**
 * How a remote user's caret looks: a coloured bar with their name. Built with
 * textContent only, since names come from other people's browsers.
 */
export function cursorBuilder(user: { name?: unknown; color?: unknown }): HTMLElement {
  const color = typeof user.color === 'string' && /^#[0-9a-f]{3,8}$/i.test(user.color) ? user.color : '#6e56cf'
  const name = typeof user.name === 'string' && user.name.trim() ? user.name.slice(0, 40) : 'Anonymous'
  const cursor = document.createElement('span')
  cursor.classList.add('ProseMirror-yjs-cursor')
  cursor.style.borderColor = color
  const label = document.createElement('div')
  label.style.backgroundColor = color
  label.textContent = name
  cursor.append(label)
  return cursor
}
