/** Pure rules: who reads an advisory (every TLP label × state × kind of viewer), due dates, ranges, OSV matching. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Principal, Role } from '../../accounts/model.ts'
import { TLP_LABELS, type Tlp, type TlpParticipant } from '../tlp.ts'
import { canReadAdvisory, isDue, parseCveBlock } from './model.ts'
import type { OsvRecord } from './osv.ts'
import { affectsPackage, compareVersions, packageOf } from './query.ts'
import { parseRange, toOsvEvents, toVers } from './ranges.ts'

const who = (personId: string, orgId: string, roles: Role[] = []): Principal => ({
  personId,
  personName: personId,
  email: `${personId}@x.test`,
  orgId,
  orgKind: 'vendor',
  orgName: orgId,
  roles,
  via: 'token',
})

const participants: TlpParticipant[] = [
  { orgId: 'org_coord', personId: 'per_named', role: 'coordinator' },
  { orgId: 'org_vendor', personId: null, role: 'vendor' },
  { orgId: 'org_client', personId: null, role: 'client' },
]

const viewers = {
  analyst: who('per_analyst', 'org_program', ['analyst']),
  named: who('per_named', 'org_coord'),
  colleague: who('per_colleague', 'org_coord'),
  vendor: who('per_vendor', 'org_vendor', ['vendor_member']),
  client: who('per_client', 'org_client'),
  member: who('per_member', 'org_other', ['operator_member']),
  anonymous: null,
} as const
type Viewer = keyof typeof viewers

/** Who reads a published advisory of each label (TLP 2.0 as tlp.ts enforces it). */
const PUBLISHED: Record<Tlp, Viewer[]> = {
  CLEAR: ['analyst', 'named', 'colleague', 'vendor', 'client', 'member', 'anonymous'],
  GREEN: ['analyst', 'named', 'colleague', 'vendor', 'client', 'member'],
  AMBER: ['analyst', 'named', 'colleague', 'vendor', 'client'],
  'AMBER+STRICT': ['analyst', 'named', 'colleague', 'vendor'],
  RED: ['analyst', 'named'],
}

test('TLP: every label, draft and published, for every kind of viewer', () => {
  for (const tlp of TLP_LABELS) {
    for (const caseTlp of TLP_LABELS) {
      for (const [name, viewer] of Object.entries(viewers) as Array<[Viewer, Principal | null]>) {
        const audience = { participants, caseTlp }
        // Published: the advisory's own label decides.
        assert.equal(
          canReadAdvisory({ state: 'published', tlp }, viewer, audience),
          PUBLISHED[tlp].includes(name),
          `published ${tlp}, ${name}`,
        )
        // Draft: the case's participants (and their clients) only, under the stricter of the case's label (at least AMBER) and its own.
        const rank = (t: Tlp) => TLP_LABELS.indexOf(t)
        const effective = [tlp, caseTlp, 'AMBER' as Tlp].sort((a, b) => rank(b) - rank(a))[0]!
        // Non-participants never; clients of a participant only where the label reaches them (AMBER).
        const expected =
          name === 'analyst' ||
          (name !== 'member' && name !== 'anonymous' && PUBLISHED[effective].includes(name))
        assert.equal(
          canReadAdvisory({ state: 'draft', tlp }, viewer, audience),
          expected,
          `draft ${tlp} in a ${caseTlp} case, ${name}`,
        )
      }
    }
  }
  // Without a case, a draft is the analysts' alone.
  assert.equal(
    canReadAdvisory({ state: 'draft', tlp: 'CLEAR' }, viewers.member, {
      participants: [],
      caseTlp: null,
    }),
    false,
  )
  assert.equal(
    canReadAdvisory({ state: 'draft', tlp: 'CLEAR' }, viewers.analyst, {
      participants: [],
      caseTlp: null,
    }),
    true,
  )
})

test('a draft is due at its disclosure date, or at once when every vendor agreed', () => {
  const at = new Date('2026-12-01T00:00:00Z')
  assert.equal(isDue({ state: 'draft', publishAt: at }, false, new Date(at.getTime() - 1)), false)
  assert.equal(isDue({ state: 'draft', publishAt: at }, false, at), true)
  assert.equal(
    isDue({ state: 'draft', publishAt: at }, true, new Date('2026-01-01T00:00:00Z')),
    true,
  )
  assert.equal(isDue({ state: 'draft', publishAt: null }, false, at), false)
  assert.equal(isDue({ state: 'published', publishAt: at }, true, at), false)
})

test('CVE blocks, version ranges and their vers / OSV forms', () => {
  assert.deepEqual(parseCveBlock('CVE-2026-50000..CVE-2026-50999'), {
    year: 2026,
    first: 50000,
    last: 50999,
  })
  assert.equal(parseCveBlock('CVE-2026-50999..CVE-2026-50000'), null)
  assert.equal(parseCveBlock('CVE-2026-1..CVE-2027-2'), null)
  const r = parseRange('>= 2.0.0, < 2.4.1')
  assert.ok(r.ok)
  assert.equal(toVers(r.constraints, 'npm'), 'vers:npm/>=2.0.0|<2.4.1')
  assert.deepEqual(toOsvEvents(r.constraints, null), [{ introduced: '2.0.0' }, { fixed: '2.4.1' }])
  const le = parseRange('<=1.9')
  assert.ok(le.ok)
  assert.deepEqual(toOsvEvents(le.constraints, null), [
    { introduced: '0' },
    { last_affected: '1.9' },
  ])
  assert.deepEqual(parseRange('*'), { ok: true, constraints: [] })
  assert.equal(parseRange('>1.0').ok, false)
  assert.equal(parseRange('>=1 >=2').ok, false)
  assert.equal(parseRange('1.0 <2.0').ok, false)
})

test('OSV matching walks the events in version order, per ecosystem', () => {
  const v: OsvRecord = {
    schema_version: '1.7.0',
    id: 'x_EW-2026-0001',
    modified: '2026-12-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'ledger' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.10.0' }] }],
      },
      {
        package: { ecosystem: 'npm', name: 'w' },
        ranges: [
          { type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { last_affected: '2.3.0' }] },
        ],
      },
    ],
  }
  assert.equal(affectsPackage(v, { ecosystem: 'PyPI', name: 'ledger', version: '1.9.3' }), true)
  assert.equal(affectsPackage(v, { ecosystem: 'PyPI', name: 'ledger', version: '1.10.0' }), false)
  assert.equal(affectsPackage(v, { ecosystem: 'npm', name: 'w', version: '2.3.0' }), true)
  assert.equal(affectsPackage(v, { ecosystem: 'npm', name: 'w', version: '2.3.1' }), false)
  assert.equal(affectsPackage(v, { ecosystem: 'npm', name: 'w', version: '1.9.9' }), false)
  assert.equal(compareVersions('npm', '2.0.0-beta.1', '2.0.0'), -1)
  assert.equal(compareVersions('PyPI', '1.10', '1.9'), 1)
  assert.deepEqual(packageOf({ purl: 'pkg:maven/org.apache/log4j-core@2.14.0' }), {
    ok: true,
    ecosystem: 'Maven',
    name: 'org.apache:log4j-core',
    version: '2.14.0',
  })
  assert.equal(packageOf({ name: 'x' }).ok, false)
})
