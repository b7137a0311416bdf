/** The PEP 440 order compared on parsed parts agrees with @renovatebot/pep440's own compare. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import * as pep440 from '@renovatebot/pep440'
import { FIXTURES } from './conformance.ts'
import { pypiScheme } from './pypi.ts'

test('parsed-part ordering equals the library order on every pair of fixture versions', () => {
  const versions = new Set<string>([
    '1.0.dev1',
    '1.0a1.dev1',
    '1.0a1',
    '1.0.post1.dev1',
    '1.0+local.7',
    '1.0+local.a',
    '1!0.1',
  ])
  for (const line of readFileSync(
    join(FIXTURES, 'osv-semantic', 'pypi-versions.txt'),
    'utf8',
  ).split('\n')) {
    const m = /^(\S+)\s+[<=>]\s+(\S+)$/.exec(line.trim())
    if (!m) continue
    for (const v of [m[1]!, m[2]!]) if (pep440.valid(v)) versions.add(v)
  }
  const list = [...versions]
  let pairs = 0
  for (const a of list) {
    for (const b of list) {
      const want = Math.sign(pep440.compare(a, b))
      const got = Math.sign(pypiScheme.compareParsed(pypiScheme.parse(a), pypiScheme.parse(b)))
      assert.equal(got, want, `${a} vs ${b}`)
      pairs++
    }
  }
  assert.ok(pairs > 1000)
})
