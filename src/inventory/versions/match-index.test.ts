/** The in-memory advisory index shared by the matching engine and the benchmark. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AdvisoryIndex } from './match-index.ts'

const lodash = {
  id: 'GHSA-35jh-r3h4-6jhm',
  affected: [
    {
      package: { ecosystem: 'npm', name: 'lodash' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
    },
  ],
}

const openssl12 = {
  id: 'DSA-0001',
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'openssl' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u1' }] }],
    },
  ],
}

test('matches by ecosystem and normalised name with the first fixed version', () => {
  const index = new AdvisoryIndex()
  index.upsert(lodash)
  assert.deepEqual(index.match('npm', 'lodash', '4.17.20'), [
    { advisoryId: lodash.id, affectedIndex: 0, range: '>=0 <4.17.21', fixed: '4.17.21' },
  ])
  assert.deepEqual(index.match('npm', 'lodash', '4.17.21'), [])
  assert.deepEqual(index.match('npm', 'underscore', '1.0.0'), [])
  const pypi = new AdvisoryIndex()
  pypi.upsert({
    id: 'PYSEC-1',
    affected: [
      { package: { ecosystem: 'PyPI', name: 'Django_Rest.Framework' }, versions: ['3.0'] },
    ],
  })
  assert.equal(pypi.match('PyPI', 'django-rest-framework', '3.0.0').length, 1)
})

test('never a silent miss: no version, an unreadable version, or an unreadable range are uncertain hits', () => {
  const index = new AdvisoryIndex()
  index.upsert(lodash)
  assert.match(index.match('npm', 'lodash', null)[0]!.uncertain!, /no version/)
  assert.match(index.match('npm', 'lodash', 'four')[0]!.uncertain!, /four/)
  index.upsert({
    id: 'BROKEN-1',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'left-pad' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'soon' }] }],
      },
    ],
  })
  assert.match(index.match('npm', 'left-pad', '1.0.0')[0]!.uncertain!, /soon/)
})

test('release-scoped advisories match their release and components of unknown release', () => {
  const index = new AdvisoryIndex()
  index.upsert(openssl12)
  assert.equal(index.match('Debian:12', 'openssl', '3.0.9-1').length, 1)
  assert.equal(index.match('Debian:11', 'openssl', '3.0.9-1').length, 0)
  assert.equal(index.match('Debian', 'openssl', '3.0.9-1').length, 1)
})

test('an upsert replaces the previous record, withdrawal removes it, and cached answers follow', () => {
  const index = new AdvisoryIndex()
  index.upsert(lodash)
  assert.equal(index.match('npm', 'lodash', '4.17.21').length, 0)
  const touched = index.upsert({
    ...lodash,
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.22' }] }],
      },
    ],
  })
  assert.deepEqual(touched, ['npm\u0000lodash'])
  assert.equal(index.match('npm', 'lodash', '4.17.21')[0]!.fixed, '4.17.22')
  index.upsert({ ...lodash, withdrawn: '2026-01-01T00:00:00Z' })
  assert.equal(index.match('npm', 'lodash', '4.17.21').length, 0)
  assert.equal(index.advisoryCount, 0)
})

test('entries without a package or with an unknown ecosystem are recorded as skipped', () => {
  const index = new AdvisoryIndex()
  index.upsert({
    id: 'PSF-1',
    affected: [
      {
        ranges: [
          { type: 'GIT', repo: 'https://example.org/cpython', events: [{ introduced: '0' }] },
        ],
      },
      { package: { ecosystem: 'Plan9', name: 'rc' }, versions: ['1'] },
    ],
  })
  assert.equal(index.skipped.get('PSF-1')?.length, 2)
})
