/** The local user's name and colour, shown to others as presence. */
const COLORS = ['#e5484d', '#f76b15', '#ffc53d', '#46a758', '#12a594', '#0090ff', '#6e56cf', '#d6409f']
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Falcon', 'Marten', 'Ibex', 'Puffin', 'Gecko', 'Koala']

export interface User {
  name: string
  color: string
}

/** True until this browser has a user of its own (the first visit). */
export function hasLocalUser(storage: Storage): boolean {
  return storage.getItem('tandem.user') !== null
}

/** The user kept in localStorage, or a friendly random one (then kept). */
export function localUser(storage: Storage): User {
  try {
    const saved = JSON.parse(storage.getItem('tandem.user') ?? 'null') as User | null
    if (saved && typeof saved.name === 'string' && typeof saved.color === 'string') return saved
  } catch {
    // A corrupt entry is replaced below.
  }
  const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!
  return saveUser(storage, { name: `Anonymous ${pick(ANIMALS)}`, color: pick(COLORS) })
}

/** Stores `user` as the local user and returns it. */
export function saveUser(storage: Storage, user: User): User {
  storage.setItem('tandem.user', JSON.stringify(user))
  return user
}
