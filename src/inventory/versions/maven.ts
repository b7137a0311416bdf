/**
 * Maven: the version order specification (maven.apache.org/pom.html#version-order-specification),
 * as Maven's ComparableVersion applies it. No maintained JavaScript package implements it, so
 * it is written here: a version is split on `.`, `-` and digit/letter transitions into
 * numbers, qualifiers and nested lists; `-` and a transition open a nested list; trailing
 * "null" items (0, "", "ga", "final", "release") are dropped from each list.
 */
import { compareDigits, compareStrings, isDigit, stripZeros } from './digits.ts'
import { defineScheme, leadingDigits, VersionSyntaxError } from './scheme.ts'

type Item =
  | { kind: 'int'; value: string }
  | { kind: 'str'; value: string }
  | { kind: 'list'; items: Item[] }

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp']
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' }
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''))

function stringItem(raw: string, followedByDigit: boolean): Item {
  let value = raw
  if (followedByDigit && value.length === 1) {
    value = value === 'a' ? 'alpha' : value === 'b' ? 'beta' : value === 'm' ? 'milestone' : value
  }
  return { kind: 'str', value: ALIASES[value] ?? value }
}

/** Known qualifiers sort by their place in QUALIFIERS; unknown ones after all of them, by text. */
function qualifierRank(q: string): string {
  const i = QUALIFIERS.indexOf(q)
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i)
}

function isNull(item: Item): boolean {
  if (item.kind === 'int') return stripZeros(item.value) === '0'
  if (item.kind === 'str') return qualifierRank(item.value) === RELEASE_INDEX
  return item.items.length === 0
}

function normalise(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!
    if (isNull(last)) list.splice(i, 1)
    else if (last.kind !== 'list') break
  }
}

function parse(version: string): Item[] {
  const v = version.toLowerCase()
  const root: Item[] = []
  let list = root
  const stack: Item[][] = [root]
  let isDigitRun = false
  let start = 0
  const item = (digit: boolean, s: string): Item =>
    digit ? { kind: 'int', value: stripZeros(s) } : stringItem(s, false)
  const openList = () => {
    const sub: Item[] = []
    list.push({ kind: 'list', items: sub })
    list = sub
    stack.push(sub)
  }
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!
    if (c === '.') {
      list.push(i === start ? { kind: 'int', value: '0' } : item(isDigitRun, v.slice(start, i)))
      start = i + 1
    } else if (c === '-') {
      list.push(i === start ? { kind: 'int', value: '0' } : item(isDigitRun, v.slice(start, i)))
      start = i + 1
      openList()
    } else if (isDigit(c)) {
      if (!isDigitRun && i > start) {
        list.push(stringItem(v.slice(start, i), true))
        start = i
        openList()
      }
      isDigitRun = true
    } else {
      if (isDigitRun && i > start) {
        list.push(item(true, v.slice(start, i)))
        start = i
        openList()
      }
      isDigitRun = false
    }
  }
  if (v.length > start) list.push(item(isDigitRun, v.slice(start)))
  for (let i = stack.length - 1; i >= 0; i--) normalise(stack[i]!)
  return root
}

/** `b` undefined stands for "nothing here", which Maven compares as the null item. */
function compareItem(a: Item, b: Item | undefined): number {
  if (a.kind === 'int') {
    if (!b) return stripZeros(a.value) === '0' ? 0 : 1
    return b.kind === 'int' ? compareDigits(a.value, b.value) : 1
  }
  if (a.kind === 'str') {
    if (!b) return compareStrings(qualifierRank(a.value), RELEASE_INDEX)
    if (b.kind === 'int' || b.kind === 'list') return -1
    return compareStrings(qualifierRank(a.value), qualifierRank(b.value))
  }
  if (!b) return a.items.length === 0 ? 0 : compareItem(a.items[0]!, undefined)
  if (b.kind === 'int') return -1
  if (b.kind === 'str') return 1
  return compareLists(a.items, b.items)
}

function compareLists(a: Item[], b: Item[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const l = a[i]
    const r = b[i]
    const c = l ? compareItem(l, r) : r ? -compareItem(r, undefined) : 0
    if (c !== 0) return c
  }
  return 0
}

export const mavenScheme = defineScheme<Item[]>({
  name: 'Maven',
  parse(v) {
    if (v.trim() === '' || /\s/.test(v)) throw new VersionSyntaxError(v, 'is not a Maven version')
    return parse(v)
  },
  compareParsed: compareLists,
  coarse(v) {
    // Only the first number is safe: `1-2` sorts below `1.1`, and qualifiers may follow it.
    const d = leadingDigits(v)
    return d ? ['0', d] : null
  },
})
