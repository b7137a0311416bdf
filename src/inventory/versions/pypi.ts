/**
 * PyPI: PEP 440 (packaging.python.org/en/latest/specifications/version-specifiers/) through
 * `@renovatebot/pep440`, which implements the spec's normalisation and ordering.
 */
import * as pep440 from '@renovatebot/pep440'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

export const pypiScheme = defineScheme<string>({
  name: 'PyPI',
  parse(v) {
    if (pep440.valid(v) === null) throw new VersionSyntaxError(v, 'is not a PEP 440 version')
    return v
  },
  compareParsed: (a, b) => pep440.compare(a, b),
  coarse(v) {
    const p = pep440.explain(v)
    if (!p) return null
    // Release segments dominate the order (pre, post, dev and local only break ties), so a
    // truncated, zero-padded release tuple never orders two versions the wrong way round.
    const r = [...p.release, 0, 0, 0].slice(0, 3)
    return [String(p.epoch), ...r.map(String)]
  },
  canonical(v) {
    // PEP 440 equality ignores trailing zero release segments: 1.0 == 1.0.0.
    const p = pep440.explain(v)!
    const release = [...p.release]
    while (release.length > 1 && release[release.length - 1] === 0) release.pop()
    return `${p.epoch}!${release.join('.')}${p.pre ? p.pre.join('') : ''}${p.post !== null && p.post !== undefined ? `.post${p.post}` : ''}${p.dev !== null && p.dev !== undefined ? `.dev${p.dev}` : ''}${p.local ? `+${p.local}` : ''}`
  },
})
