/**
 * The facepile: one coloured initial per person in the document (from Yjs
 * awareness), the local user first, "+N" past the limit. Clicking your own
 * face renames you.
 */
import type { Awareness } from 'y-protocols/awareness'
import type { User } from './user.js'

const MAX_FACES = 5

/** Renders who is here into `container` and keeps it current. */
export function bindFacepile(container: HTMLElement, awareness: Awareness, rename: () => void): void {
  const render = () => {
    const people: Array<{ id: number; user: User; self: boolean }> = []
    for (const [id, state] of awareness.getStates()) {
      const user = state.user as User | undefined
      if (user && typeof user.name === 'string') people.push({ id, user, self: id === awareness.clientID })
    }
    people.sort((a, b) => Number(b.self) - Number(a.self) || a.user.name.localeCompare(b.user.name))
    container.replaceChildren()
    for (const person of people.slice(0, MAX_FACES)) {
      const face = document.createElement(person.self ? 'button' : 'span')
      face.className = 'face'
      face.style.backgroundColor = /^#[0-9a-f]{3,8}$/i.test(person.user.color) ? person.user.color : '#6e56cf'
      face.textContent = initials(person.user.name)
      face.title = person.self ? `${person.user.name} (you) – click to rename` : person.user.name
      face.dataset.name = person.user.name
      if (person.self) face.addEventListener('click', rename)
      container.append(face)
    }
    if (people.length > MAX_FACES) {
      const more = document.createElement('span')
      more.className = 'face more'
      more.textContent = `+${people.length - MAX_FACES}`
      more.title = people.slice(MAX_FACES).map((p) => p.user.name).join(', ')
      container.append(more)
    }
    container.dataset.count = String(people.length)
  }
  awareness.on('change', render)
  render()
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 2)
  return letters.join('').toUpperCase()
}
