/**
 * The clearinghouse end to end over HTTP, both halves together: a partner reports, an analyst
 * validates and opens a case, a vendor marks it fixed in 2.4.1 under embargo, the advisory
 * drafted from the case publishes itself at the disclosure date (the publication job, on an
 * injected clock) and then appears in the CSAF feed and the OSV API. Before that date neither
 * feed nor a non-participant sees anything.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, seedMember } from '../src/accounts/testing.ts'
import { createHttpApp, createServices } from '../src/app.ts'
import { DAY_MS, fixedClock } from '../src/platform/clock.ts'
import { testRuntime } from '../src/platform/testing.ts'

test('report → validate → case → fixed in 2.4.1 under embargo → auto-published at the disclosure date', async (t) => {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, {
    clock,
    settings: {
      EARLYWATCH_PUBLIC_URL: 'https://earlywatch.example',
      EARLYWATCH_CVE_BLOCK: 'CVE-2026-60000..CVE-2026-60099',
    },
  })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const member = async (
    kind: Parameters<typeof seedMember>[1]['kind'],
    roles: Parameters<typeof seedMember>[1]['roles'],
  ) => {
    const m = await seedMember(services.accounts, { kind, roles })
    return { ...m, headers: bearer(m.token) as Record<string, string> }
  }
  const partner = await member('partner', ['partner_member'])
  const analyst = await member('program', ['analyst'])
  const vendor = await member('vendor', ['vendor_member'])
  const outsider = await member('operator', ['operator_member'])
  const call = async (
    who: { headers: Record<string, string> } | null,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ) => {
    const res = await app.inject({
      method,
      url,
      headers: who?.headers ?? {},
      ...(payload ? { payload } : {}),
    })
    return res
  }
  const ok = async (
    who: { headers: Record<string, string> } | null,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ) => {
    const res = await call(who, method, url, payload)
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const osvQuery = (version: string) =>
    call(null, 'POST', '/v1/query', {
      package: { name: 'acme-widget', ecosystem: 'npm' },
      version,
    }).then((r) => r.json())
  const feed = () =>
    call(null, 'GET', '/.well-known/csaf/feed-tlp-white.json').then(
      (r) => r.json().feed.entry as Array<{ id: string }>,
    )

  // 1. A partner reports a vulnerability found with a pre-release model.
  const receipt = await ok(partner, 'POST', '/api/clearinghouse/reports', {
    title: 'Path traversal in acme-widget static handler',
    description:
      'The static handler joins the request path to the web root without normalising it.',
    reproduction: 'curl http://host/static/..%2f..%2fetc/passwd',
    product: { purl: 'pkg:npm/acme-widget@2.3.0' },
    cwe: 'CWE-22',
    cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
    foundWith: { method: 'model', submissionId: 'sub_0123456789abcdef' },
    creditName: 'Partner Labs red team',
  })

  // 2. An analyst validates it and opens a case; inviting the vendor starts the 90-day embargo.
  await ok(analyst, 'POST', `/api/clearinghouse/reports/${receipt.id}/transition`, {
    to: 'triaging',
    reason: 'Reproducing',
  })
  await ok(analyst, 'POST', `/api/clearinghouse/reports/${receipt.id}/transition`, {
    to: 'validated',
    reason: 'Reproduced on 2.3.0',
  })
  const opened = await ok(analyst, 'POST', '/api/clearinghouse/cases', {
    reportIds: [receipt.id],
    tlp: 'AMBER',
  })
  const c = await ok(analyst, 'POST', `/api/clearinghouse/cases/${opened.id}/vendors`, {
    orgId: vendor.org.id,
  })
  const disclosure = new Date(c.embargoEndsAt)
  assert.equal(
    disclosure.toISOString(),
    new Date(clock.now().getTime() + 90 * DAY_MS).toISOString(),
  )

  // 3. The vendor marks it fixed in 2.4.1; the analyst drafts the advisory from the case.
  await ok(vendor, 'POST', `/api/clearinghouse/cases/${opened.id}/vex`, {
    product: 'pkg:npm/acme-widget',
    versionRange: '>=2.0.0 <2.4.1',
    status: 'fixed',
    fixedVersion: '2.4.1',
  })
  const advisory = await ok(analyst, 'POST', `/api/advisories/from-case/${opened.id}`, {})

  // 4. Before the date: no feed, no OSV answer, no access for a non-participant; participants see it.
  clock.advance(30 * DAY_MS)
  assert.deepEqual(await feed(), [])
  assert.deepEqual(await osvQuery('2.3.0'), {})
  assert.equal((await call(outsider, 'GET', `/api/advisories/${advisory.id}`)).statusCode, 404)
  assert.equal(
    (await call(outsider, 'GET', `/api/clearinghouse/cases/${opened.id}`)).statusCode,
    404,
  )
  assert.equal((await call(null, 'GET', `/api/advisories/${advisory.id}`)).statusCode, 404)
  assert.equal((await call(vendor, 'GET', `/api/advisories/${advisory.id}`)).statusCode, 200)
  assert.equal(
    (
      await services.advisories.publishIfDue({
        advisoryId: advisory.id,
        at: disclosure.toISOString(),
      })
    ).published,
    false,
  )

  // 5. At the disclosure date the publication job publishes it; the feeds carry it.
  clock.set(disclosure)
  assert.equal(
    (
      await services.advisories.publishIfDue({
        advisoryId: advisory.id,
        at: disclosure.toISOString(),
      })
    ).published,
    true,
  )
  assert.deepEqual(
    (await feed()).map((e) => e.id),
    [advisory.id],
  )
  const hit = await osvQuery('2.3.0')
  assert.equal(hit.vulns.length, 1)
  assert.deepEqual(await osvQuery('2.4.1'), {}, 'the fixed version is not affected')
  assert.equal((await call(null, 'GET', `/v1/vulns/${hit.vulns[0].id}`)).statusCode, 200)
})
