/** The benchmark's HTTP API: who sees what, and no controlled content outside the custodian's views. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { testRuntime } from '../platform/testing.ts'
import { DEMO_CANARY, demoBundleManifest } from './demo-bundle.ts'

test('need to know over HTTP: the canary appears only in responses to the custodian', async (t) => {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const { accounts } = services
  const custodian = await seedMember(accounts, { kind: 'program', roles: ['benchmark_custodian'] })
  const officer = await seedMember(accounts, {
    kind: 'program',
    roles: ['program_officer'],
    orgId: custodian.org.id,
  })
  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const agency = await seedMember(accounts, { kind: 'agency', roles: ['agency_signatory'] })
  const partner = await seedMember(accounts, { kind: 'partner', roles: ['partner_member'] })

  const imported = await app.inject({
    method: 'POST',
    url: '/api/benchmark/bundles',
    headers: bearer(custodian.token),
    payload: { manifest: demoBundleManifest(), files: {} },
  })
  assert.equal(imported.statusCode, 201, imported.body)
  assert.ok(!imported.body.includes(DEMO_CANARY))
  const task = imported.json().tasks[0]
  const items = await services.benchmark.itemsForRun(task.id, {
    labOrgId: lab.org.id,
    submissionId: 'sub_test0000000001',
    runId: 'run_test0000000001',
  })
  const itemUrl = `/api/benchmark/items/${items[0]!.itemId}`

  const asCustodian = await app.inject({
    method: 'GET',
    url: itemUrl,
    headers: bearer(custodian.token),
  })
  assert.equal(asCustodian.statusCode, 200)
  assert.ok(asCustodian.body.includes(DEMO_CANARY), 'the custodian sees the item')

  const others = [officer, lab, agency, partner]
  const urls = [
    '/api/benchmark/bundles',
    itemUrl,
    '/api/benchmark/exposures',
    '/api/benchmark/policies',
  ]
  for (const who of others) {
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(who.token) })
      assert.ok(
        !res.body.includes(DEMO_CANARY),
        `${url} as ${who.principal.roles} leaked the canary`,
      )
      if (url === itemUrl || url === '/api/benchmark/exposures')
        assert.equal(res.statusCode, 403, `${url} as ${who.principal.roles}`)
    }
  }
  const overview = await app.inject({
    method: 'GET',
    url: '/api/benchmark/bundles',
    headers: bearer(officer.token),
  })
  assert.equal(overview.statusCode, 200)
  assert.equal(overview.json().items[0].tasks.length, 8)
  const labView = await app.inject({
    method: 'GET',
    url: '/api/benchmark/bundles',
    headers: bearer(lab.token),
  })
  assert.equal(labView.statusCode, 403)

  // A bad bundle over HTTP: 400 problem+json naming each path.
  const bad = demoBundleManifest('bad')
  bad.tasks[0]!.items[0]!.target = 'Q'
  const refused = await app.inject({
    method: 'POST',
    url: '/api/benchmark/bundles',
    headers: bearer(custodian.token),
    payload: { manifest: bad, files: {} },
  })
  assert.equal(refused.statusCode, 400)
  assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.match(JSON.stringify(refused.json().errors), /tasks\.0\.items\.0\.target/)
})
