/**
 * Seeded randomness for the engine: the same seed gives the same shuffle and the same bootstrap
 * on every machine. mulberry32 (Tommy Ettinger, public domain) is written here because it is
 * six lines and needs to be byte-for-byte stable, which a dependency's upgrade could change.
 */
import { createHash } from 'node:crypto'

export type Rng = () => number

export function seededRng(seed: string | number): Rng {
  let a = createHash('sha256').update(String(seed)).digest().readUInt32LE(0)
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher–Yates on a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
