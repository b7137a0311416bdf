/** The demo's advisories: published ones in the feeds and OSV API, the embargoed case's draft hidden, every export valid. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHttpApp, createServices } from '../../app.ts'
import { seedDemo } from '../../demo/seed.ts'
import { testRuntime } from '../../platform/testing.ts'
import { validateCsaf, validateCve, validateOsv } from './validate.ts'

test('demo advisories are in the CSAF feed and the OSV API, and every export validates', async (t) => {
  const rt = await testRuntime(t, {
    settings: {
      EARLYWATCH_PUBLIC_URL: 'https://earlywatch.example',
      EARLYWATCH_CVE_BLOCK: 'CVE-2026-50000..CVE-2026-50999',
    },
  })
  const services = await createServices(rt)
  await seedDemo(rt, services)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const feed = (
    await app.inject({ method: 'GET', url: '/.well-known/csaf/feed-tlp-white.json' })
  ).json().feed
  const ids = feed.entry.map((e: { id: string }) => e.id).sort()
  assert.equal(ids.length, 4, JSON.stringify(ids))
  assert.ok(ids.includes('BSI-2022-0001') && ids.includes('CVE-2021-44228'))
  const osv = (
    await app.inject({
      method: 'POST',
      url: '/v1/query',
      payload: { package: { purl: 'pkg:npm/tenant-portal@3.1.0' } },
    })
  ).json()
  assert.equal(osv.vulns.length, 1)
  assert.equal(
    osv.vulns[0].summary,
    'An authenticated tenant can read other tenants’ records through the report search filter.',
  )

  // Every advisory the demo made, drafts included, exports valid documents.
  const analystOrg = (await services.accounts.listOrgs()).find((o) => o.kind === 'program')!
  const analyst = (await services.accounts.listPeople()).find((p) =>
    p.memberships.some((m) => m.role === 'analyst'),
  )!
  const principal = await services.accounts.principalFor(analyst.id, analystOrg.id)
  const all = await services.advisories.list(principal, { limit: 50, offset: 0 })
  assert.equal(all.total, 5)
  const draft = all.items.find((a) => a.state === 'draft')
  assert.ok(draft?.caseId, 'the embargoed case has its draft')
  assert.equal(
    (await app.inject({ method: 'GET', url: `/api/advisories/${draft.id}` })).statusCode,
    404,
  )
  for (const a of all.items) {
    const ex = await services.advisories.exports(principal, a.id)
    for (const doc of [ex.csaf, ex.vex]) {
      const r = await validateCsaf(doc)
      assert.equal(r.valid, true, `${a.id}: ${JSON.stringify(r.errors)}`)
    }
    assert.equal(validateOsv(ex.osv).valid, true, a.id)
    if (ex.cve) assert.equal(validateCve(ex.cve).valid, true, a.id)
  }
})
