/**
 * OpenSSL release versions (for `vers:openssl`): numbers, then a letter suffix on 0.9.x–1.1.1
 * releases that runs a…z, za…zz (openssl.org/policies/releasestrat.html), so a longer
 * suffix is later; `-alphaN`/`-betaN` pre-releases precede the release, `-cvs`/`-dev`
 * snapshots follow it. Written here: no package implements it.
 */
import { compareDigits, compareStrings } from './digits.ts'
import { compareNumberLists } from './hackage.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

interface OpenSsl {
  numbers: string[]
  letters: string
  /** alpha 0, beta 1, release 2, cvs/dev 3. */
  stage: number
  stageNumber: string
}

const STAGES: Record<string, number> = { alpha: 0, beta: 1, cvs: 3, dev: 3 }

export const opensslScheme = defineScheme<OpenSsl>({
  name: 'openssl',
  parse(v) {
    const m = /^(\d+(?:\.\d+)*)([a-z]*)(?:-(alpha|beta|cvs|dev)(\d*))?$/.exec(v.trim())
    if (!m) throw new VersionSyntaxError(v, 'is not an OpenSSL version')
    return {
      numbers: m[1]!.split('.'),
      letters: m[2]!,
      stage: m[3] ? STAGES[m[3]]! : 2,
      stageNumber: m[4] || '0',
    }
  },
  compareParsed: (a, b) =>
    compareNumberLists(a.numbers, b.numbers) ||
    Math.sign(a.letters.length - b.letters.length) ||
    compareStrings(a.letters, b.letters) ||
    Math.sign(a.stage - b.stage) ||
    compareDigits(a.stageNumber, b.stageNumber),
  coarse: () => null,
})
