/**
 * The whole coordinated disclosure, end to end through the real services and HTTP app: a
 * partner reports, an analyst validates, a vendor marks "fixed in 2.4.1" under embargo, and the
 * advisory publishes itself at the disclosure date (injected clock) into the CSAF feed and the
 * OSV API. Before that date neither feed nor a non-participant sees it.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, seedMember } from '../../accounts/testing.ts'
import { createHttpApp, createServices } from '../../app.ts'
import { fixedClock } from '../../platform/clock.ts'
import { bossSchema } from '../../platform/runtime.ts'
import { testRuntime } from '../../platform/testing.ts'
import { PublishDue, type PublishDuePayload } from './jobs.ts'
import { validateCsaf, validateOsv } from './validate.ts'

const BASE = 'https://earlywatch.example'

test('report → validate → fixed in 2.4.1 under embargo → published at the disclosure date into the CSAF feed and OSV', async (t) => {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, {
    clock,
    settings: {
      EARLYWATCH_PUBLIC_URL: BASE,
      EARLYWATCH_CVE_BLOCK: 'CVE-2026-50000..CVE-2026-50999',
    },
  })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const { clearinghouse: ch, advisories } = services
  const partner = await seedMember(services.accounts, {
    kind: 'partner',
    roles: ['partner_member'],
  })
  const analyst = await seedMember(services.accounts, { kind: 'program', roles: ['analyst'] })
  const vendor = await seedMember(services.accounts, { kind: 'vendor', roles: ['vendor_member'] })
  const outsider = await seedMember(services.accounts, {
    kind: 'operator',
    roles: ['operator_member'],
  })
  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} })
  const osvQuery = (version: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/query',
      payload: { package: { name: 'acme-forum', ecosystem: 'npm' }, version },
    })

  // 1. A partner reports; an analyst triages and reproduces it.
  const receipt = await ch.submitReport(partner.principal, {
    title: 'Stored XSS in the comment preview',
    description: 'Comment bodies are rendered as HTML in the preview pane.',
    reproduction: 'Post <img src=x onerror=alert(1)> and open the preview.',
    product: { purl: 'pkg:npm/acme-forum@2.3.0' },
    cwe: 'CWE-79',
    cvss31: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N',
    foundWith: { method: 'manual' },
    creditWanted: true,
  })
  await ch.transition(analyst.principal, receipt.id, { to: 'triaging', reason: 'start' })
  await ch.transition(analyst.principal, receipt.id, { to: 'validated', reason: 'reproduced' })

  // 2. A case opens; inviting the vendor sets the 90-day embargo; the vendor fixes it in 2.4.1.
  const opened = await ch.openCase(analyst.principal, { reportIds: [receipt.id] })
  const invited = await ch.inviteVendor(analyst.principal, opened.id, { orgId: vendor.org.id })
  const disclosure = invited.embargoEndsAt!
  assert.equal(disclosure.toISOString(), '2027-01-31T00:00:00.000Z')
  await ch.setVex(vendor.principal, opened.id, {
    product: 'acme-forum',
    versionRange: '>= 2.0.0, < 2.4.1',
    status: 'fixed',
    fixedVersion: '2.4.1',
  })

  // 3. The analyst drafts the advisory from the case: a CVE from the block, dated to the embargo.
  const draft = await advisories.draftFromCase(analyst.principal, opened.id)
  assert.equal(draft.cveId, 'CVE-2026-50000')
  assert.deepEqual(draft.publishAt, disclosure)
  assert.deepEqual(
    draft.content.products.map((p) => [p.purl, p.versionRange, p.status, p.fixedVersion]),
    [['pkg:npm/acme-forum', '>= 2.0.0, < 2.4.1', 'fixed', '2.4.1']],
  )
  const jobs = await rt.db.query<{ data: { data: PublishDuePayload }; start_after: Date }>(
    `SELECT data, start_after FROM ${bossSchema(rt.settings.databaseSchema)}.job WHERE name = $1 ORDER BY start_after`,
    [PublishDue.name],
  )
  assert.ok(jobs.rows.length >= 1, 'the publication job is queued')
  assert.ok(jobs.rows.every((j) => j.start_after.getTime() === disclosure.getTime()))

  // 4. Before the date: no feed entry, no OSV answer, nothing for a non-participant.
  const checkHidden = async () => {
    assert.equal((await get('/.well-known/csaf/feed-tlp-white.json')).json().feed.entry.length, 0)
    assert.equal((await get('/.well-known/csaf/white/index.txt')).body, '')
    assert.deepEqual((await osvQuery('2.3.0')).json(), {})
    assert.equal((await get(`/v1/vulns/x_${draft.id}`)).statusCode, 404)
    assert.equal((await get(`/v1/vulns/${draft.cveId}`)).statusCode, 404)
    assert.equal((await get(`/api/advisories/${draft.id}`)).statusCode, 404)
    assert.equal((await get(`/api/advisories/${draft.id}`, outsider.token)).statusCode, 404)
    assert.equal((await get(`/api/advisories/${draft.id}/exports`, outsider.token)).statusCode, 404)
    assert.equal((await get('/api/advisories', outsider.token)).json().total, 0)
  }
  await checkHidden()
  // The participants (vendor, reporter) follow the draft.
  assert.equal((await get(`/api/advisories/${draft.id}`, vendor.token)).statusCode, 200)
  assert.equal((await get(`/api/advisories/${draft.id}`, partner.token)).statusCode, 200)

  // A queued job that runs a second early does nothing.
  clock.set(new Date(disclosure.getTime() - 1000))
  for (const j of jobs.rows)
    assert.equal((await advisories.publishIfDue(j.data.data)).published, false)
  await checkHidden()

  // 5. At the disclosure date the queued job publishes it.
  clock.set(disclosure)
  const results = []
  for (const j of jobs.rows) results.push(await advisories.publishIfDue(j.data.data))
  assert.deepEqual(
    results.map((r) => r.published),
    jobs.rows.map((_, i) => i === 0),
    'the first job publishes; the others find it done',
  )

  // 6. It is in the CSAF feed, as a valid document, and in the OSV API.
  const feed = (await get('/.well-known/csaf/feed-tlp-white.json')).json().feed
  assert.deepEqual(
    feed.entry.map((e: { id: string }) => e.id),
    [draft.id],
  )
  const doc = (await get(feed.entry[0].content.src.replace(BASE, ''))).json()
  const v = await validateCsaf(doc)
  assert.equal(v.valid, true, JSON.stringify(v.errors))
  assert.deepEqual(v.warnings, [])
  assert.equal(doc.vulnerabilities[0].cve, 'CVE-2026-50000')
  assert.equal(doc.document.tracking.initial_release_date, disclosure.toISOString())

  const hit = (await osvQuery('2.3.0')).json()
  assert.equal(hit.vulns.length, 1)
  assert.equal(hit.vulns[0].id, `x_${draft.id}`)
  assert.equal(validateOsv(hit.vulns[0]).valid, true)
  assert.deepEqual(hit.vulns[0].affected[0].ranges[0].events, [
    { introduced: '2.0.0' },
    { fixed: '2.4.1' },
  ])
  assert.deepEqual((await osvQuery('2.4.1')).json(), {})
  assert.equal((await get(`/v1/vulns/CVE-2026-50000`)).json().id, `x_${draft.id}`)
  // Anyone reads it now, signed in or not (the test's API tokens have expired by this date).
  assert.equal((await get(`/api/advisories/${draft.id}`)).statusCode, 200)

  // 7. The publication is in the transparency log.
  const logged = await services.translog.entries({
    type: 'advisory.published',
    limit: 10,
    offset: 0,
  })
  assert.equal(logged.total, 1)
  assert.equal(logged.items[0]?.entry.data.advisoryId, draft.id)
  assert.equal(logged.items[0]?.entry.actor.role, 'system')
})
