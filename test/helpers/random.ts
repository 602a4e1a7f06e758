/**
 * A small seeded PRNG (mulberry32) for property and fuzz tests: the same seed
 * always replays the same run, and a failing seed is printed to reproduce it.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
  /** True with probability `p`. */
  chance(p: number): boolean
}

/** A PRNG seeded with `seed` (any 32-bit integer). */
export function seeded(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    bytes: (n) => Uint8Array.from({ length: n }, () => int(0, 255)),
    chance: (p) => next() < p,
  }
}

/** A seed from the environment variable `name` when set, else `fallback`. */
export function seedFrom(name: string, fallback: number): number {
  const raw = process.env[name]
  return raw === undefined ? fallback : Number(raw)
}
