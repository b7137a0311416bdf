/** The inventory routes through the full HTTP app: raw SBOM upload, own-organisation checks, exports. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { fixture, loadOsvSample, seedOperator } from './testing.ts'

test('an operator uploads an SBOM over HTTP and reads its findings; others cannot; program staff export CSV', async (t) => {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-02T09:00:00Z') })
  const services = await createServices(rt)
  await loadOsvSample(services.inventoryAdvisories)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const svc = services.inventory.service
  const bank = await seedOperator(services.accounts, svc, { sector: 'financial' })
  const other = await seedOperator(services.accounts, svc, { sector: 'water' })
  const officer = await seedMember(services.accounts, {
    kind: 'program',
    roles: ['program_officer'],
  })
  const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })

  // 1. A system, then its SBOM as raw bytes in its own media type.
  const created = await app.inject({
    method: 'POST',
    url: '/api/inventory/systems',
    headers: bearer(bank.token),
    payload: { name: 'Core banking API', criticality: 'critical', internetExposed: true },
  })
  assert.equal(created.statusCode, 201, created.body)
  const system = created.json() as { id: string }
  const bom = fixture('dropwizard-1.3.15.bom.json')
  const up = await app.inject({
    method: 'POST',
    url: `/api/inventory/systems/${system.id}/sboms`,
    headers: { ...bearer(bank.token), 'content-type': 'application/vnd.cyclonedx+json' },
    payload: bom,
  })
  assert.equal(up.statusCode, 201, up.body)
  const uploaded = up.json() as { sbom: { sha256: string; version: number }; match: unknown }
  assert.equal(uploaded.sbom.version, 1)
  assert.equal(uploaded.match, null, 'matching follows as a job')
  const { createHash } = await import('node:crypto')
  assert.equal(
    uploaded.sbom.sha256,
    createHash('sha256').update(bom).digest('hex'),
    'the hash is of the bytes sent',
  )
  await svc.matchSystem(system.id)

  // 2. Malformed input: a 400 naming where, and nothing stored.
  const bad = await app.inject({
    method: 'POST',
    url: `/api/inventory/systems/${system.id}/sboms`,
    headers: { ...bearer(bank.token), 'content-type': 'application/xml' },
    payload: '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component>',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().detail as string, /line \d+, column \d+/)
  const sys = await app.inject({
    method: 'GET',
    url: `/api/inventory/systems/${system.id}`,
    headers: bearer(bank.token),
  })
  assert.equal((sys.json() as { sboms: unknown[] }).sboms.length, 1)

  // 3. Findings: the bank sees its own; another operator gets 404; a lab member 403.
  const mine = await app.inject({
    method: 'GET',
    url: '/api/inventory/findings?open=true',
    headers: bearer(bank.token),
  })
  assert.equal(mine.statusCode, 200)
  const items = (mine.json() as { items: Array<{ id: string; kev: boolean }> }).items
  assert.ok(items.length > 0)
  assert.equal(items[0]!.kev, true, 'exploited first')
  const theirs = await app.inject({
    method: 'GET',
    url: `/api/inventory/findings/${items[0]!.id}`,
    headers: bearer(other.token),
  })
  assert.equal(theirs.statusCode, 404)
  const upOther = await app.inject({
    method: 'POST',
    url: `/api/inventory/systems/${system.id}/sboms`,
    headers: { ...bearer(other.token), 'content-type': 'text/plain' },
    payload: 'pkg:npm/a@1\n',
  })
  assert.equal(upOther.statusCode, 404)
  const labRead = await app.inject({
    method: 'GET',
    url: '/api/inventory/findings',
    headers: bearer(lab.token),
  })
  assert.equal(labRead.statusCode, 403)

  // 4. Remediation over HTTP.
  const status = await app.inject({
    method: 'POST',
    url: `/api/inventory/findings/${items[0]!.id}/status`,
    headers: bearer(bank.token),
    payload: { status: 'in_progress', note: 'change ticket CHG-1042' },
  })
  assert.equal(status.statusCode, 200, status.body)

  // 5. Program staff: the dashboards and their CSV exports.
  const dash = await app.inject({
    method: 'GET',
    url: '/api/inventory/dashboard/program',
    headers: bearer(officer.token),
  })
  assert.equal(dash.statusCode, 200)
  const d = dash.json() as {
    advisories: Array<{ advisoryId: string; bySector: Record<string, number> }>
  }
  assert.equal(
    d.advisories.find((a) => a.advisoryId === 'GHSA-qppj-fm5r-hxr3')?.bySector.financial,
    1,
  )
  const csv = await app.inject({
    method: 'GET',
    url: '/api/inventory/findings?format=csv',
    headers: bearer(officer.token),
  })
  assert.match(String(csv.headers['content-type']), /text\/csv/)
  assert.match(csv.body.split('\r\n')[0]!, /^id,orgId,systemName,advisoryId/)
  const csv2 = await app.inject({
    method: 'GET',
    url: '/api/inventory/dashboard/program?format=csv&table=advisories',
    headers: bearer(officer.token),
  })
  assert.match(csv2.body, /GHSA-qppj-fm5r-hxr3,medium,true,1,0,1/)
  const opDash = await app.inject({
    method: 'GET',
    url: '/api/inventory/dashboard/operator',
    headers: bearer(bank.token),
  })
  const od = opDash.json() as { patchFirst: Array<{ upgradeTo: string | null; kev: boolean }> }
  assert.equal(od.patchFirst[0]!.upgradeTo, '9.4.53')
  const denied = await app.inject({
    method: 'GET',
    url: '/api/inventory/dashboard/program',
    headers: bearer(bank.token),
  })
  assert.equal(denied.statusCode, 403)
})
