/**
 * OpenSSL release versions (for `vers:openssl`): numbers, then a letter suffix on 0.9.x–1.1.1
 * releases that runs a…z, za…zz (openssl.org/policies/releasestrat.html), so a longer
 * suffix is later. Written here: no package implements it.
 */
import { compareStrings } from './digits.ts'
import { compareNumberLists } from './hackage.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

interface OpenSsl {
  numbers: string[]
  letters: string
}

export const opensslScheme = defineScheme<OpenSsl>({
  name: 'openssl',
  parse(v) {
    const m = /^(\d+(?:\.\d+)*)([a-z]*)$/.exec(v.trim())
    if (!m) throw new VersionSyntaxError(v, 'is not an OpenSSL version')
    return { numbers: m[1]!.split('.'), letters: m[2]! }
  },
  compareParsed: (a, b) =>
    compareNumberLists(a.numbers, b.numbers) ||
    Math.sign(a.letters.length - b.letters.length) ||
    compareStrings(a.letters, b.letters),
  coarse: () => null,
})
