import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { type Exploitation, type SsvcInputs, ssvcDecide } from './ssvc.ts'

test('every row of the published CISA coordinator table gives its decision', () => {
  const csv = readFileSync(
    new URL('./fixtures/ssvc/cisa_coordinator_2_0_3.csv', import.meta.url),
    'utf8',
  )
  const rows = csv.trim().split('\n').slice(1)
  assert.equal(rows.length, 36)
  for (const line of rows) {
    const [, e, a, t, m, want] = line.split(',')
    const inputs = {
      exploitation: e!.replace(' ', '_') as Exploitation,
      automatable: a,
      technicalImpact: t,
      missionWellbeing: m,
    } as SsvcInputs
    assert.equal(ssvcDecide(inputs), want, line)
  }
})
