/** The advisory service against a real database, with a fixture case standing in for the case half. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { type TestContext, test } from 'node:test'
import type { Role } from '../../accounts/model.ts'
import { createAccountsService } from '../../accounts/service.ts'
import { seedMember } from '../../accounts/testing.ts'
import { DAY_MS, fixedClock } from '../../platform/clock.ts'
import { isAppError } from '../../platform/errors.ts'
import { bossSchema } from '../../platform/runtime.ts'
import { testRuntime } from '../../platform/testing.ts'
import { TRANSLOG_JOBS } from '../../translog/jobs.ts'
import { createTranslogService } from '../../translog/service.ts'
import { ADVISORY_JOBS, PublishDue } from './jobs.ts'
import type { AdvisoryCaseInput } from './model.ts'
import type { OsvRecord } from './osv.ts'
import { type CasePort, createAdvisoryService } from './service.ts'
import { content, fixtureCase } from './testing.ts'
import { validateCsaf, validateOsv } from './validate.ts'

const START = '2026-11-02T00:00:00Z'
const DISCLOSURE = new Date('2026-12-01T00:00:00Z')

async function setup(t: TestContext, opts: { block?: string } = {}) {
  const clock = fixedClock(START)
  const rt = await testRuntime(t, { clock })
  await rt.jobs.register(...ADVISORY_JOBS, ...TRANSLOG_JOBS)
  const accounts = createAccountsService({ db: rt.db, clock, settings: rt.settings })
  const translog = createTranslogService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: 'earlywatch.test/log',
  })
  const member = (kind: Parameters<typeof seedMember>[1]['kind'], roles: Role[]) =>
    seedMember(accounts, { kind, roles })
  const analyst = await member('program', ['analyst'])
  const vendor = await member('vendor', ['vendor_member'])
  const partner = await member('partner', ['partner_member'])
  const outsider = await member('operator', ['operator_member'])
  // The case half, as a fixture: a case the test can move and agree on.
  const state = {
    c: fixtureCase({
      disclosureAt: DISCLOSURE,
      participants: [
        { orgId: analyst.org.id, personId: analyst.person.id, role: 'coordinator' },
        { orgId: vendor.org.id, personId: null, role: 'vendor' },
        { orgId: partner.org.id, personId: null, role: 'reporter' },
      ],
    }) as AdvisoryCaseInput,
    agreed: false,
  }
  const cases: CasePort = {
    caseForAdvisory: async (id) => {
      assert.equal(id, state.c.caseId)
      return state.c
    },
    allVendorsAgreeToPublish: async () => state.agreed,
  }
  const published: OsvRecord[] = []
  const labels: Array<{ tlp: string; caseId: string | null }> = []
  const advisories = createAdvisoryService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    translog,
    cases,
    publicUrl: 'https://earlywatch.example',
    cveBlock: { year: 2026, first: 50000, last: opts.block === 'tiny' ? 50000 : 50999 },
    onAdvisoryPublished: async (osv, meta) => {
      published.push(osv)
      labels.push(meta)
    },
  })
  return {
    rt,
    clock,
    translog,
    advisories,
    analyst,
    vendor,
    partner,
    outsider,
    state,
    published,
    labels,
  }
}

async function publishJobs(rt: Awaited<ReturnType<typeof setup>>['rt']) {
  const r = await rt.db.query<{ at: string; advisory: string | null; start_after: Date }>(
    `SELECT data->'data'->>'at' AS at, data->'data'->>'advisoryId' AS advisory, start_after
       FROM ${bossSchema(rt.settings.databaseSchema)}.job WHERE name = $1 ORDER BY start_after`,
    [PublishDue.name],
  )
  return r.rows
}

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c

test('1. a case advisory stays embargoed until its disclosure date, then the job publishes it', async (t) => {
  const {
    rt,
    clock,
    translog,
    advisories,
    analyst,
    vendor,
    partner,
    outsider,
    published,
    labels,
    state,
  } = await setup(t)
  await assert.rejects(
    advisories.draftFromCase(vendor.principal, 'case_0123456789abcdef'),
    code('EW_FORBIDDEN'),
  )
  const drafted = await advisories.draftFromCase(analyst.principal, 'case_0123456789abcdef')
  assert.equal(drafted.state, 'draft')
  assert.equal(drafted.cveId, 'CVE-2026-50000')
  // A draft carries the label it will be published under (CLEAR unless the analyst says otherwise).
  assert.equal(drafted.tlp, 'CLEAR')
  const a = await advisories.update(analyst.principal, drafted.id, { tlp: 'AMBER' })
  assert.equal(a.tlp, 'AMBER')
  assert.deepEqual(a.publishAt, DISCLOSURE)
  assert.equal(a.content.products[0]?.fixedVersion, '2.4.1')
  // Drafting again returns the same advisory.
  assert.equal(
    (await advisories.draftFromCase(analyst.principal, 'case_0123456789abcdef')).id,
    a.id,
  )
  const jobs = await publishJobs(rt)
  assert.equal(jobs.length, 1)
  assert.deepEqual(jobs[0]?.start_after, DISCLOSURE)

  // 2. Before the date: participants see the draft, nobody else does, the public feeds are empty.
  assert.equal((await advisories.get(vendor.principal, a.id)).id, a.id)
  assert.equal((await advisories.get(partner.principal, a.id)).id, a.id)
  await assert.rejects(advisories.get(outsider.principal, a.id), code('EW_NOT_FOUND'))
  await assert.rejects(advisories.get(null, a.id), code('EW_NOT_FOUND'))
  await assert.rejects(advisories.publicGet(a.id), code('EW_NOT_FOUND'))
  assert.equal((await advisories.publicList({ limit: 10, offset: 0 })).total, 0)
  assert.equal((await advisories.list(outsider.principal, { limit: 10, offset: 0 })).total, 0)
  await assert.rejects(advisories.publish(analyst.principal, a.id), code('EW_INVALID_TRANSITION'))

  // A job that runs early (the date moved, or a retry) does nothing but wait again.
  clock.set('2026-11-30T23:59:59Z')
  assert.deepEqual(
    await advisories.publishIfDue({ advisoryId: a.id, at: DISCLOSURE.toISOString() }),
    {
      published: false,
      advisoryId: a.id,
    },
  )

  // 3. At the date it publishes: revision 1, the log entry, and the hook job.
  clock.set(DISCLOSURE)
  const r = await advisories.publishIfDue({ advisoryId: a.id, at: DISCLOSURE.toISOString() })
  assert.deepEqual(r, { published: true, advisoryId: a.id })
  const p = await advisories.get(analyst.principal, a.id)
  assert.equal(p.state, 'published')
  assert.deepEqual(p.publishedAt, DISCLOSURE)
  assert.equal(p.history.length, 1)
  const entries = await translog.entries({ type: 'advisory.published', limit: 50, offset: 0 })
  assert.equal(entries.total, 1, 'advisory.published is in the log')
  assert.equal(entries.items[0]?.entry.data.advisoryId, a.id)
  assert.equal(
    entries.items[0]?.entry.data.title,
    undefined,
    'an AMBER title stays out of the public log',
  )
  // TLP:AMBER: not in the public feeds, but the participants read it; outsiders still do not.
  assert.equal((await advisories.publicList({ limit: 10, offset: 0 })).total, 0)
  await assert.rejects(advisories.get(outsider.principal, a.id), code('EW_NOT_FOUND'))
  assert.equal((await advisories.get(vendor.principal, a.id)).state, 'published')
  // The hook hands an embargoed advisory over with its label and case: the inventory lets it
  // reach only the operators the case allows.
  await advisories.notifyPublished({ advisoryId: a.id, revision: 1 })
  assert.equal(published.length, 1)
  assert.deepEqual(labels, [{ tlp: 'AMBER', caseId: state.c.caseId }])
  assert.equal(await advisories.caseOfPublished(published[0]!.id), state.c.caseId)
  assert.equal(await advisories.publishedOfCase(state.c.caseId), published[0]!.id)
  // Running the job again is harmless.
  assert.equal(
    (await advisories.publishIfDue({ advisoryId: a.id, at: DISCLOSURE.toISOString() })).published,
    false,
  )
})

test('a TLP:CLEAR advisory reaches the public feeds at publication, and revisions keep history', async (t) => {
  const { clock, advisories, analyst, outsider, state, published } = await setup(t)
  state.c = { ...state.c, tlp: 'CLEAR' }
  const a = await advisories.draftFromCase(analyst.principal, state.c.caseId)
  clock.set(new Date(DISCLOSURE.getTime() + DAY_MS))
  await advisories.publishIfDue({ caseId: state.c.caseId, at: DISCLOSURE.toISOString() })
  const pub = await advisories.publicGet(a.id)
  assert.equal(pub.state, 'published')
  assert.equal((await advisories.get(null, a.id)).id, a.id)
  assert.equal((await advisories.get(outsider.principal, a.id)).id, a.id)
  const found = await advisories.publicByPackage('npm', '@acme/widget-server')
  assert.deepEqual(
    found.map((x) => x.id),
    [a.id],
  )
  await advisories.notifyPublished({ advisoryId: a.id, revision: 1 })
  assert.equal(published[0]?.id, `x_${a.id}`)

  // A change to a published advisory is a new revision, with a summary.
  await assert.rejects(
    advisories.update(analyst.principal, a.id, { content: { ...pub.content, title: 'Changed' } }),
    code('EW_VALIDATION'),
  )
  clock.advance(DAY_MS)
  const r2 = await advisories.update(analyst.principal, a.id, {
    content: { ...pub.content, summary: 'Now with a workaround.' },
    summary: 'Added a workaround.',
  })
  assert.deepEqual(
    r2.history.map((h) => [h.number, h.summary]),
    [
      [1, 'Initial public release at the disclosure date.'],
      [2, 'Added a workaround.'],
    ],
  )
  assert.equal(r2.history[0]?.content.summary, pub.content.summary)
  const ex = await advisories.exports(null, a.id)
  assert.equal(ex.validation.csaf.valid, true, JSON.stringify(ex.validation.csaf.errors))
  assert.equal(ex.validation.vex.valid, true)
  assert.equal(ex.validation.osv.valid, true)
  assert.equal(ex.validation.cve?.valid, true)
  const csaf = ex.csaf as {
    document: { tracking: { version: string; revision_history: unknown[] } }
  }
  assert.equal(csaf.document.tracking.version, '2')
  assert.equal(csaf.document.tracking.revision_history.length, 2)
  assert.equal(ex.osv.modified, new Date(DISCLOSURE.getTime() + 2 * DAY_MS).toISOString())
  assert.equal(ex.osv.published, new Date(DISCLOSURE.getTime() + DAY_MS).toISOString())
})

test('every vendor agreeing publishes before the disclosure date; a moved date is followed', async (t) => {
  const { rt, advisories, analyst, state } = await setup(t)
  state.c = { ...state.c, tlp: 'CLEAR' }
  const a = await advisories.draftFromCase(analyst.principal, state.c.caseId)

  // The embargo moves later: the old job finds it not due and waits for the new date.
  const later = new Date(DISCLOSURE.getTime() + 14 * DAY_MS)
  state.c = { ...state.c, disclosureAt: later }
  await rt.db.transaction((tx) => advisories.embargoChanged(tx, state.c.caseId, later))
  assert.ok((await publishJobs(rt)).some((j) => j.at === later.toISOString()))
  assert.deepEqual(
    (await advisories.get(analyst.principal, a.id)).publishAt,
    later,
    'shown at once',
  )
  assert.equal(
    (await advisories.publishIfDue({ advisoryId: a.id, at: DISCLOSURE.toISOString() })).published,
    false,
  )
  assert.deepEqual((await advisories.get(analyst.principal, a.id)).publishAt, later)

  // Every vendor agrees: the consent job publishes now, long before the date.
  state.agreed = true
  await rt.db.transaction((tx) => advisories.publishConsentChanged(tx, state.c.caseId))
  const r = await advisories.publishIfDue({
    caseId: state.c.caseId,
    at: new Date(START).toISOString(),
  })
  assert.equal(r.published, true)
  const p = await advisories.publicGet(a.id)
  assert.match(p.history[0]!.summary, /every vendor agreed/)
})

test('an analyst-written advisory publishes by hand; the CVE block runs out with a clear error', async (t) => {
  const { advisories, analyst, vendor } = await setup(t, { block: 'tiny' })
  await assert.rejects(
    advisories.create(vendor.principal, { content: content(), tlp: 'CLEAR' }),
    code('EW_FORBIDDEN'),
  )
  const a = await advisories.create(analyst.principal, { content: content(), tlp: 'CLEAR' })
  assert.equal(a.cveId, 'CVE-2026-50000')
  assert.match(a.id, /^EW-2026-\d{4}$/)
  await assert.rejects(
    advisories.create(analyst.principal, { content: content(), tlp: 'CLEAR' }),
    (e: unknown) => isAppError(e) && /EARLYWATCH_CVE_BLOCK/.test(e.detail),
  )
  const p = await advisories.publish(analyst.principal, a.id)
  assert.equal(p.state, 'published')
  assert.ok(p.logIndex >= 0)
  await assert.rejects(advisories.publish(analyst.principal, a.id), code('EW_INVALID_TRANSITION'))
  // A bad edit names the field and leaves the advisory as it was.
  await assert.rejects(
    advisories.update(analyst.principal, a.id, {
      content: { ...a.content, cvss31: { vector: 'CVSS:3.1/AV:N', score: 9 } },
      summary: 'x',
    }),
    (e: unknown) => isAppError(e) && JSON.stringify(e.errors).includes('cvss31'),
  )
  assert.equal((await advisories.get(analyst.principal, a.id)).history.length, 1)
})

test('imports are all or nothing, validated first, and a re-import changes nothing', async (t) => {
  const { advisories, analyst, vendor } = await setup(t)
  const read = (p: string) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8'))
  const good = { path: 'bsi-2022-0001.json', document: read('./fixtures/csaf/bsi-2022-0001.json') }
  const vex = { path: 'sec-vex.json', document: read('./fixtures/csaf/sec-vex-2022-0001.json') }
  const bad = {
    path: 'broken.json',
    document: { ...read('./fixtures/csaf/rhsa-2021_5217.json'), vulnerabilities: 'none' },
  }
  await assert.rejects(
    advisories.importDocuments(vendor.principal, 'csaf', [good]),
    code('EW_FORBIDDEN'),
  )
  await assert.rejects(
    advisories.importDocuments(analyst.principal, 'csaf', [good, vex, bad]),
    (e: unknown) => {
      assert.ok(isAppError(e))
      assert.ok(
        e.errors?.some((x) => x.path.startsWith('broken.json#/vulnerabilities')),
        JSON.stringify(e.errors),
      )
      return true
    },
  )
  assert.equal((await advisories.list(analyst.principal, { limit: 10, offset: 0 })).total, 0)
  const r = await advisories.importDocuments(analyst.principal, 'csaf', [good, vex])
  assert.deepEqual(r.created.sort(), ['BSI-2022-0001', 'SEC-VEX-2022-0001'].sort())
  const again = await advisories.importDocuments(analyst.principal, 'csaf', [good])
  assert.deepEqual(again, { created: [], revised: [], unchanged: ['BSI-2022-0001'] })
  const bsi = await advisories.publicGet('BSI-2022-0001')
  assert.equal(bsi.source, 'csaf')
  const ex = await advisories.exports(null, 'BSI-2022-0001')
  assert.equal((await validateCsaf(ex.csaf)).valid, true)
  assert.equal(validateOsv(ex.osv).valid, true)

  const cve = { path: 'CVE-2024-3094.json', document: read('./fixtures/cve5/CVE-2024-3094.json') }
  const rc = await advisories.importDocuments(analyst.principal, 'cve', [cve])
  assert.deepEqual(rc.created, ['CVE-2024-3094'])
  assert.equal((await advisories.exports(null, 'CVE-2024-3094')).osv.id, 'CVE-2024-3094')
})
