/**
 * NuGet: learn.microsoft.com/nuget/concepts/package-versioning — SemVer 2.0 extended to four
 * numeric parts (missing parts are 0, leading zeros ignored), case-insensitive release labels
 * compared part by part (numbers numerically and below text), build metadata ignored.
 * No maintained JavaScript package implements NuGetVersion ordering, so it is written here.
 */
import { compareDigits, compareStrings } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

interface NuGetVersion {
  numbers: string[]
  labels: string[]
}

const PATTERN =
  /^v?(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]*)?$/

function parse(v: string): NuGetVersion {
  const m = PATTERN.exec(v.trim())
  if (!m)
    throw new VersionSyntaxError(
      v,
      'is not a NuGet version (1 to 4 numbers, optional -label and +metadata)',
    )
  const numbers = m[1]!.split('.')
  while (numbers.length < 4) numbers.push('0')
  return { numbers, labels: m[2] ? m[2].split('.') : [] }
}

function compareLabel(a: string, b: string): number {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  if (an && bn) return compareDigits(a, b)
  if (an !== bn) return an ? -1 : 1
  return compareStrings(a.toLowerCase(), b.toLowerCase())
}

function compare(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const c = compareDigits(a.numbers[i]!, b.numbers[i]!)
    if (c !== 0) return c
  }
  if (a.labels.length === 0 || b.labels.length === 0) {
    return a.labels.length === b.labels.length ? 0 : a.labels.length === 0 ? 1 : -1
  }
  for (let i = 0; i < Math.min(a.labels.length, b.labels.length); i++) {
    const c = compareLabel(a.labels[i]!, b.labels[i]!)
    if (c !== 0) return c
  }
  return Math.sign(a.labels.length - b.labels.length)
}

export const nugetScheme = defineScheme<NuGetVersion>({
  name: 'NuGet',
  parse,
  compareParsed: compare,
  coarse(v) {
    const m = PATTERN.exec(v.trim())
    return m ? ['0', ...m[1]!.split('.').concat('0', '0', '0').slice(0, 3)] : null
  },
})
