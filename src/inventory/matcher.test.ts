import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  advisoryPackages,
  CompiledAdvisories,
  type MatchableComponent,
  matchComponent,
} from './matcher.ts'
import type { OsvRecord } from './model.ts'
import { osvSample } from './testing.ts'

test('the compiled (indexed) path answers exactly as comparing every range afresh, on the real OSV sample', () => {
  const records = osvSample()
  const compiled = new CompiledAdvisories()
  let compared = 0
  let affected = 0
  for (const osv of records) {
    const versions = new Set<string>()
    for (const a of osv.affected ?? []) {
      for (const v of a.versions ?? []) versions.add(v)
      for (const r of a.ranges ?? [])
        for (const e of r.events)
          for (const v of [e.introduced, e.fixed, e.last_affected])
            if (v && v !== '0') versions.add(v)
    }
    for (const pkg of advisoryPackages(osv)) {
      for (const version of [...versions, '0.0.1', '999.0.0', 'not a version']) {
        const c: MatchableComponent = { ...pkg, version, status: 'matchable' }
        const plain = matchComponent(c, osv)
        assert.deepEqual(
          matchComponent(c, osv, compiled),
          plain,
          `${osv.id} ${pkg.packageName}@${version}`,
        )
        compared++
        if (plain) affected++
      }
      const none: MatchableComponent = { ...pkg, version: null, status: 'no_version' }
      assert.deepEqual(matchComponent(none, osv, compiled), matchComponent(none, osv))
    }
  }
  assert.ok(compared > 1000 && affected > 100, `${compared} compared, ${affected} affected`)
})

test('a record whose content changed is compiled again; the answer follows the stored record', () => {
  const compiled = new CompiledAdvisories()
  const record = (fixed: string, modified: string): OsvRecord => ({
    id: 'GHSA-test-0001',
    modified,
    affected: [
      {
        package: { ecosystem: 'npm', name: 'left-pad' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  })
  const c: MatchableComponent = {
    ecosystem: 'npm',
    packageName: 'left-pad',
    version: '1.1.0',
    status: 'matchable',
  }
  assert.equal(matchComponent(c, record('1.2.0', '2026-01-01T00:00:00Z'), compiled)?.fixed, '1.2.0')
  assert.equal(matchComponent(c, record('1.1.0', '2026-02-01T00:00:00Z'), compiled), null)
  // Same `modified`, different ranges (a re-import that kept the date): still compiled again.
  assert.equal(matchComponent(c, record('1.3.0', '2026-02-01T00:00:00Z'), compiled)?.fixed, '1.3.0')
  assert.equal(
    matchComponent(
      c,
      { ...record('1.3.0', '2026-03-01T00:00:00Z'), withdrawn: '2026-03-01T00:00:00Z' },
      compiled,
    ),
    null,
  )
})
