/** The clearinghouse routes through the full HTTP app: deny by default, the partner → analyst → vendor flow, SARIF upload, downloads. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import type { OrgKind, Role } from '../accounts/model.ts'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { START, sarif } from './testing.ts'

async function build(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock(START) })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const member = async (kind: OrgKind, roles: Role[]) => {
    const m = await seedMember(services.accounts, { kind, roles })
    return { ...m, headers: bearer(m.token) as Record<string, string> }
  }
  const call = (
    who: { headers: Record<string, string> } | null,
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
  ) =>
    app.inject({
      method,
      url,
      headers: who?.headers ?? {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
  return { app, services, member, call }
}

const report = {
  title: 'Path traversal in the export endpoint',
  description: 'GET /export?file=../../etc/passwd returns the file.',
  reproduction: 'curl "https://host/export?file=../../etc/passwd"',
  product: { purl: 'pkg:pypi/acme-export@2.3.0' },
  cwe: 'CWE-22',
  cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
  foundWith: { method: 'model', submissionId: 'sub_0123456789abcdef' },
}

test('a partner reports, an analyst validates and opens a case, a vendor marks it fixed in 2.4.1', async (t) => {
  const { call, member } = await build(t)
  const partner = await member('partner', ['partner_member'])
  const analyst = await member('program', ['analyst'])
  const vendor = await member('vendor', ['vendor_member'])
  const outsider = await member('operator', ['operator_member'])

  // 1. Intake: a receipt with the status URL the reporter follows.
  const res = await call(partner, 'POST', '/api/clearinghouse/reports', report)
  assert.equal(res.statusCode, 201, res.body)
  const receipt = res.json()
  assert.equal((await call(partner, 'GET', receipt.statusUrl)).json().state, 'new')
  assert.equal((await call(outsider, 'GET', receipt.statusUrl)).statusCode, 404)
  assert.equal((await call(null, 'GET', receipt.statusUrl)).statusCode, 401)

  // 2. Triage is for analysts only.
  assert.equal(
    (
      await call(partner, 'POST', `/api/clearinghouse/reports/${receipt.id}/transition`, {
        to: 'triaging',
        reason: 'x',
      })
    ).statusCode,
    403,
  )
  for (const [to, reason] of [
    ['triaging', 'Looking'],
    ['validated', 'Reproduced on 2.3.0'],
  ])
    assert.equal(
      (
        await call(analyst, 'POST', `/api/clearinghouse/reports/${receipt.id}/transition`, {
          to,
          reason,
        })
      ).statusCode,
      200,
    )
  const ssvc = await call(analyst, 'POST', `/api/clearinghouse/reports/${receipt.id}/ssvc`, {
    exploitation: 'public_poc',
    automatable: 'yes',
    technicalImpact: 'partial',
    missionWellbeing: 'high',
  })
  assert.equal(ssvc.json().ssvc.decision, 'attend')

  // 3. A case, a vendor, a VEX status.
  const opened = await call(analyst, 'POST', '/api/clearinghouse/cases', {
    reportIds: [receipt.id],
  })
  assert.equal(opened.statusCode, 201, opened.body)
  const caseId = opened.json().id
  const invited = await call(analyst, 'POST', `/api/clearinghouse/cases/${caseId}/vendors`, {
    orgId: vendor.org.id,
  })
  assert.equal(invited.json().embargoDaysLeft, 90)
  assert.equal(
    (await call(outsider, 'GET', `/api/clearinghouse/cases/${caseId}`)).statusCode,
    404,
    'AMBER: not for a non-participant',
  )
  assert.equal((await call(null, 'GET', `/api/clearinghouse/cases/${caseId}`)).statusCode, 404)
  const vex = await call(vendor, 'POST', `/api/clearinghouse/cases/${caseId}/vex`, {
    product: 'pkg:pypi/acme-export',
    versionRange: 'vers:pypi/>=2.0.0|<2.4.1',
    status: 'fixed',
    fixedVersion: '2.4.1',
  })
  assert.equal(vex.statusCode, 200, vex.body)
  assert.deepEqual(
    vex.json().vex.map((v: { status: string; fixedVersion: string }) => [v.status, v.fixedVersion]),
    [['fixed', '2.4.1']],
  )
  const bad = await call(vendor, 'POST', `/api/clearinghouse/cases/${caseId}/vex`, {
    product: 'p',
    versionRange: '1',
    status: 'known_not_affected',
  })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().errors[0].path, 'body.justification')
  // 4. The thread: a message labelled for the case.
  const msg = await call(vendor, 'POST', `/api/clearinghouse/cases/${caseId}/messages`, {
    body: 'Patch is in 2.4.1',
    tlp: 'AMBER+STRICT',
  })
  assert.equal(msg.statusCode, 201, msg.body)
  assert.equal(msg.json().authorRole, 'vendor')
  assert.equal(
    (await call(partner, 'GET', `/api/clearinghouse/cases/${caseId}/messages`)).json().items.length,
    1,
  )
})

test('a bad CVSS vector and a bad SARIF log are 400s naming the problem', async (t) => {
  const { call, member } = await build(t)
  const partner = await member('partner', ['partner_member'])
  const res = await call(partner, 'POST', '/api/clearinghouse/reports', {
    ...report,
    cvss31: 'CVSS:3.1/AV:N',
  })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().detail, /CVSS:3\.1\/AV:N/)
  const sarifRes = await call(partner, 'POST', '/api/clearinghouse/reports/sarif', {
    log: sarif('codeql-invalid-sarif.sarif'),
    product: { purl: 'pkg:npm/x' },
    foundWith: { method: 'tool' },
  })
  assert.equal(sarifRes.statusCode, 400)
  assert.ok(sarifRes.json().errors.some((e: { path: string }) => e.path === 'log.runs[0].results'))
  const ok = await call(partner, 'POST', '/api/clearinghouse/reports/sarif', {
    log: sarif('ai-model-findings.sarif'),
    product: { purl: 'pkg:npm/tenant-portal' },
    foundWith: { method: 'model', submissionId: 'sub_0123456789abcdef' },
  })
  assert.equal(ok.statusCode, 201, ok.body)
  assert.equal(ok.json().created, 3)
})

test('attachments download only as attachments, with nosniff, and only for those who may', async (t) => {
  const { call, member } = await build(t)
  const partner = await member('partner', ['partner_member'])
  const other = await member('partner', ['partner_member'])
  const { id } = (await call(partner, 'POST', '/api/clearinghouse/reports', report)).json()
  const html = '<html><script>alert(document.cookie)</script></html>'
  const up = await call(partner, 'POST', `/api/clearinghouse/reports/${id}/attachments`, {
    filename: 'poc.txt',
    mediaType: 'text/plain',
    contentBase64: Buffer.from(html).toString('base64'),
  })
  assert.equal(up.statusCode, 201, up.body)
  const dl = await call(partner, 'GET', `/api/clearinghouse/attachments/${up.json().id}`)
  assert.equal(dl.statusCode, 200)
  assert.equal(dl.body, html)
  assert.equal(dl.headers['content-disposition'], 'attachment; filename="poc.txt"')
  assert.equal(dl.headers['x-content-type-options'], 'nosniff')
  assert.equal(dl.headers['x-tlp'], 'AMBER')
  assert.equal(
    (await call(other, 'GET', `/api/clearinghouse/attachments/${up.json().id}`)).statusCode,
    404,
  )
  const wrongType = await call(partner, 'POST', `/api/clearinghouse/reports/${id}/attachments`, {
    filename: 'x.html',
    mediaType: 'text/html',
    contentBase64: Buffer.from(html).toString('base64'),
  })
  assert.equal(wrongType.statusCode, 415)
})

test('every clearinghouse route denies by default: staff routes refuse other roles, nothing answers anonymously but public TLP reads', async (t) => {
  const { call, member } = await build(t)
  const partner = await member('partner', ['partner_member'])
  const staffOnly: Array<[string, unknown]> = [
    ['/api/clearinghouse/reports/rpt_0123456789abcdef/transition', { to: 'triaging', reason: 'x' }],
    ['/api/clearinghouse/reports/rpt_0123456789abcdef/assign', { assigneePersonId: null }],
    ['/api/clearinghouse/cases', { reportIds: ['rpt_0123456789abcdef'] }],
    ['/api/clearinghouse/cases/case_0123456789abcdef/vendors', { orgId: 'org_0123456789abcdef' }],
    [
      '/api/clearinghouse/cases/case_0123456789abcdef/embargo',
      { endsAt: '2027-01-01T00:00:00Z', reason: 'x' },
    ],
  ]
  for (const [url, body] of staffOnly) {
    assert.equal((await call(partner, 'POST', url, body)).statusCode, 403, url)
    assert.equal((await call(null, 'POST', url, body)).statusCode, 401, url)
  }
  assert.equal((await call(null, 'GET', '/api/clearinghouse/reports')).statusCode, 401)
  assert.equal(
    (
      await call(partner, 'POST', '/api/clearinghouse/cases/case_0123456789abcdef/vex', {
        product: 'p',
        versionRange: '1',
        status: 'known_affected',
      })
    ).statusCode,
    403,
  )
})
