/**
 * PyPI: PEP 440 (packaging.python.org/en/latest/specifications/version-specifiers/).
 * `@renovatebot/pep440` validates and parses; the parsed parts are compared here with the
 * spec's ordering (as `packaging`'s sort key does), because the library's `compare` takes
 * strings and re-parses both on every call, which a matcher comparing one version with
 * thousands of bounds cannot afford. pypi.test.ts checks this order against the library's.
 */
import * as pep440 from '@renovatebot/pep440'
import { compareStrings } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

export interface Pep440 {
  epoch: number
  /** Release with trailing zeros removed (1.0 == 1.0.0). */
  release: number[]
  /** [rank, number]: a = 0, b = 1, rc = 2; null when absent. */
  pre: [number, number] | null
  post: number | null
  dev: number | null
  local: Array<number | string> | null
}

const PRE_RANK: Record<string, number> = {
  a: 0,
  alpha: 0,
  b: 1,
  beta: 1,
  c: 2,
  rc: 2,
  pre: 2,
  preview: 2,
}

function toParts(v: string): Pep440 {
  const p = pep440.explain(v)
  if (!p) throw new VersionSyntaxError(v, 'is not a PEP 440 version')
  const release = [...p.release]
  while (release.length > 1 && release[release.length - 1] === 0) release.pop()
  const num = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x))
  return {
    epoch: p.epoch,
    release,
    pre: p.pre ? [PRE_RANK[String(p.pre[0]).toLowerCase()] ?? 2, Number(p.pre[1] ?? 0)] : null,
    post: num(p.post),
    dev: num(p.dev),
    local: p.local
      ? p.local.split(/[-_.]/).map((s) => (/^\d+$/.test(s) ? Number(s) : s.toLowerCase()))
      : null,
  }
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The PEP 440 order: epoch, release, pre (a dev-only release precedes pre-releases), post, dev, local. */
export function comparePep440(a: Pep440, b: Pep440): number {
  if (a.epoch !== b.epoch) return cmpNum(a.epoch, b.epoch)
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const c = cmpNum(a.release[i] ?? 0, b.release[i] ?? 0)
    if (c !== 0) return c
  }
  // Absent pre-release sorts after any, except that X.devN (no pre, no post) sorts before X's pre-releases.
  const preKey = (v: Pep440): [number, number, number] =>
    v.pre ? [1, v.pre[0], v.pre[1]] : v.post === null && v.dev !== null ? [0, 0, 0] : [2, 0, 0]
  const pa = preKey(a)
  const pb = preKey(b)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return cmpNum(pa[i]!, pb[i]!)
  const post = cmpNum(a.post ?? -1, b.post ?? -1)
  if (post !== 0) return post
  const dev = cmpNum(a.dev ?? Number.POSITIVE_INFINITY, b.dev ?? Number.POSITIVE_INFINITY)
  if (dev !== 0) return dev
  if (a.local === null || b.local === null)
    return a.local === b.local ? 0 : a.local === null ? -1 : 1
  for (let i = 0; i < Math.min(a.local.length, b.local.length); i++) {
    const x = a.local[i]!
    const y = b.local[i]!
    if (typeof x !== typeof y) return typeof x === 'number' ? 1 : -1
    const c = typeof x === 'number' ? cmpNum(x, y as number) : compareStrings(x, y as string)
    if (c !== 0) return c
  }
  return cmpNum(a.local.length, b.local.length)
}

export const pypiScheme = defineScheme<Pep440>({
  name: 'PyPI',
  parse: toParts,
  compareParsed: comparePep440,
  coarse(v) {
    const p = pep440.explain(v)
    if (!p) return null
    // Release segments dominate the order (pre, post, dev and local only break ties), so a
    // truncated, zero-padded release tuple never orders two versions the wrong way round.
    const r = [...p.release, 0, 0, 0].slice(0, 3)
    return [String(p.epoch), ...r.map(String)]
  },
  canonical: (p) =>
    `${p.epoch}!${p.release.join('.')}${p.pre ? `~${p.pre.join('.')}` : ''}${p.post !== null ? `.post${p.post}` : ''}${p.dev !== null ? `.dev${p.dev}` : ''}${p.local ? `+${p.local.join('.')}` : ''}`,
})
