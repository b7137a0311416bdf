/**
 * Alpine (apk): the version format and ordering of apk-tools, as the Alpine package
 * format documentation and `apk version --test` define them:
 * `digits(.digits)*[letter](_suffix[digits])*[-rN]`, suffixes `alpha beta pre rc` sorting before
 * the bare version and `cvs svn git hg p` after it, a number after `.` with leading zeros
 * sorting as a fraction (`1.01 < 1.1`). No maintained JavaScript package implements it, so it
 * is written here as a tokenizer plus a comparison over the token lists.
 */
import { compareDigits, isDigit } from './digits.ts'
import { defineScheme, leadingDigits, VersionSyntaxError } from './scheme.ts'

// Token kinds, in the rank order apk uses when two versions differ in kind at the same place.
const DOTTED = 0 // a number after '.'
const NUMBER = 1
const LETTER = 2
const SUFFIX = 3
const SUFFIX_NUMBER = 4
const REVISION = 5
const END = 6

const PRE = ['alpha', 'beta', 'pre', 'rc']
const POST = ['cvs', 'svn', 'git', 'hg', 'p']

interface Token {
  kind: number
  /** Numbers as digit strings; a leading-zero run as '-N'; a letter as its code; a suffix as its rank. */
  value: string | number
}

function tokenize(version: string): Token[] {
  const v = version.trim()
  const bad = (why: string) => new VersionSyntaxError(version, `is not an Alpine version: ${why}`)
  const tokens: Token[] = []
  let i = 0
  let kind = NUMBER
  if (!isDigit(v[0])) throw bad('it must start with a digit')
  while (true) {
    // Read the token of `kind` at i.
    if (kind === SUFFIX) {
      const pre = PRE.findIndex((s) => v.startsWith(s, i))
      const post = pre === -1 ? POST.findIndex((s) => v.startsWith(s, i)) : -1
      if (pre === -1 && post === -1) throw bad(`unknown suffix at "${v.slice(i)}"`)
      const name = pre !== -1 ? PRE[pre]! : POST[post]!
      tokens.push({ kind, value: pre !== -1 ? pre - PRE.length : post })
      i += name.length
      if (i >= v.length) break
      kind = SUFFIX_NUMBER
      continue
    }
    if (kind === LETTER) {
      tokens.push({ kind, value: v.charCodeAt(i) })
      i++
    } else if (kind === DOTTED && v[i] === '0') {
      let z = i
      while (z < v.length && v[z] === '0') z++
      tokens.push({ kind, value: -(z - i) })
      i = z
      if (i >= v.length) break
      kind = NUMBER
      continue
    } else {
      let e = i
      while (e < v.length && isDigit(v[e])) e++
      tokens.push({ kind, value: v.slice(i, e) || '0' })
      i = e
    }
    if (i >= v.length) break
    // Decide the next token's kind from what follows.
    const c = v[i]!
    let next: number
    if ((kind === NUMBER || kind === DOTTED) && c >= 'a' && c <= 'z') next = LETTER
    else if (kind === LETTER && isDigit(c)) next = NUMBER
    else if (kind === SUFFIX_NUMBER && isDigit(c)) next = SUFFIX_NUMBER
    else if (c === '.') {
      next = DOTTED
      i++
    } else if (c === '_') {
      next = SUFFIX
      i++
    } else if (c === '-' && v[i + 1] === 'r') {
      next = REVISION
      i += 2
    } else throw bad(`unexpected "${c}"`)
    const allowedBackwards =
      (next === DOTTED && kind === NUMBER) ||
      (next === SUFFIX && kind === SUFFIX_NUMBER) ||
      (next === NUMBER && kind === LETTER)
    if (next < kind && !allowedBackwards) throw bad(`"${c}" is out of place`)
    if (next === SUFFIX_NUMBER && kind === SUFFIX_NUMBER) throw bad('a suffix number is split')
    kind = next
  }
  tokens.push({ kind: END, value: 0 })
  return tokens
}

function compareValues(a: Token, b: Token): number {
  if (typeof a.value === 'string' && typeof b.value === 'string')
    return compareDigits(a.value, b.value)
  const x = typeof a.value === 'string' ? Number(a.value) : a.value
  const y = typeof b.value === 'string' ? Number(b.value) : b.value
  return Math.sign(x - y)
}

function compare(a: Token[], b: Token[]): number {
  for (let k = 0; ; k++) {
    const x = a[k]!
    const y = b[k]!
    if (x.kind !== y.kind) {
      // A pre-release suffix makes its side older; otherwise the side whose next part ranks
      // higher (ending first ranks highest) is the older one.
      if (x.kind === SUFFIX && (x.value as number) < 0) return -1
      if (y.kind === SUFFIX && (y.value as number) < 0) return 1
      return x.kind > y.kind ? -1 : 1
    }
    if (x.kind === END) return 0
    const c = compareValues(x, y)
    if (c !== 0) return c
  }
}

export const alpineScheme = defineScheme<Token[]>({
  name: 'Alpine',
  parse: tokenize,
  compareParsed: compare,
  coarse(v) {
    try {
      tokenize(v)
    } catch {
      return null
    }
    return ['0', leadingDigits(v.trim())]
  },
})
