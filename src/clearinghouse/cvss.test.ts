import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { isAppError } from '../platform/errors.ts'
import { requireCvss, scoreCvss } from './cvss.ts'

function vectors(file: string): Array<[string, number]> {
  return readFileSync(new URL(`./fixtures/cvss/${file}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [vector, scores] = line.split(' - ')
      return [vector!, Number(/\(([\d.]+)/.exec(scores!)![1])]
    })
}

test('CVSS 3.1 base scores match the Red Hat calculator vectors', () => {
  const cases = vectors('vectors_simple31.sample')
  assert.ok(cases.length >= 20)
  for (const [vector, want] of cases) {
    const r = scoreCvss('3.1', vector)
    assert.ok(r.ok, vector)
    assert.equal(r.value.score, want, vector)
  }
})

test('CVSS 4.0 scores match the Red Hat / FIRST vectors', () => {
  const cases = vectors('vectors_simple4.sample')
  assert.ok(cases.length >= 20)
  for (const [vector, want] of cases) {
    const r = scoreCvss('4.0', vector)
    assert.ok(r.ok, vector)
    assert.equal(r.value.score, want, vector)
  }
})

test('a vector that does not parse is an error naming it, never a zero', () => {
  const cases: Array<['3.1' | '4.0', string, RegExp]> = [
    ['3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /base metric A missing/],
    ['3.1', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /must start with CVSS:3.1\//],
    ['3.1', 'CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /AV appears twice/],
    [
      '4.0',
      'CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      /Unknown component value Q/,
    ],
    ['4.0', 'CVSS:4.0/AV:N/AC:L', /base metrics AT, PR/],
    ['4.0', 'nonsense', /must start with/],
  ]
  for (const [version, vector, why] of cases) {
    const r = scoreCvss(version, vector)
    assert.equal(r.ok, false, vector)
    if (!r.ok) {
      assert.match(r.message, why)
      assert.ok(r.message.includes(vector), 'names the vector')
    }
  }
  assert.throws(
    () => requireCvss('cvss31', '3.1', 'CVSS:3.1/AV:N'),
    (e) => isAppError(e, 'EW_VALIDATION') && e.errors?.[0]?.path === 'cvss31',
  )
})
