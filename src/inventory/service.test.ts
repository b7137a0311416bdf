import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { createServices, type Services } from '../app.ts'
import { DAY_MS, fixedClock } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import type { Runtime } from '../platform/runtime.ts'
import { testRuntime } from '../platform/testing.ts'
import type { OsvRecord } from './model.ts'
import { SIGNATURE_HEADER, smtpMailer, verifyWebhook } from './notify.ts'
import { smtpSink, webhookSink } from './test-sinks.ts'
import { drainDeliveries, fixture, loadOsvSample, seedOperator } from './testing.ts'
import { createInventory, type Inventory } from './wiring.ts'

async function setup(t: TestContext, opts: { allowed?: string[] } = {}) {
  const clock = fixedClock('2026-11-02T09:00:00Z')
  const rt: Runtime = await testRuntime(t, { clock })
  const services: Services = await createServices(rt)
  const smtp = await smtpSink(t)
  const hooks = await webhookSink(t)
  const inv: Inventory = await createInventory(
    rt,
    {
      notifications: services.notifications,
      translog: services.translog,
      advisories: services.inventoryAdvisories,
    },
    {
      mailer: smtpMailer({
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        requireTls: false,
        user: undefined,
        password: undefined,
        from: 'earlywatch@test.earlywatch.test',
      }),
      allowedOperators: async () => opts.allowed ?? [],
    },
  )
  return { clock, rt, services, smtp, hooks, inv, svc: inv.service }
}

const ids = (items: Array<{ advisoryId: string }>) => new Set(items.map((f) => f.advisoryId))

test('done when: a real SBOM against real OSV data gives the expected findings; a new advisory notifies exactly the affected operators by signed webhook and email; a re-upload with the fixed version closes the finding', async (t) => {
  const { clock, rt, services, smtp, hooks, inv, svc } = await setup(t)
  assert.equal(await loadOsvSample(services.inventoryAdvisories), 258)

  // 1. Three operators: a hospital running a Go mail bridge, a bank running a Java service, a utility with neither.
  const hospital = await seedOperator(services.accounts, svc, {
    sector: 'healthcare',
    systems: [{ name: 'Secure mail bridge', internetExposed: true }],
  })
  const bank = await seedOperator(services.accounts, svc, {
    sector: 'financial',
    systems: [{ name: 'Core banking API' }],
  })
  const utility = await seedOperator(services.accounts, svc, {
    sector: 'water',
    systems: [{ name: 'SCADA HMI' }],
  })
  const secrets = new Map<string, string>()
  for (const op of [hospital, bank, utility]) {
    await svc.addChannel(op.principal, { kind: 'email', target: `soc@${op.org.slug}.test` })
    const hook = await svc.addChannel(op.principal, {
      kind: 'webhook',
      target: `${hooks.url}/${op.org.slug}`,
    })
    secrets.set(op.org.slug, hook.secret!)
  }

  // 2. Real SBOMs uploaded and matched.
  const mail = hospital.systems[0]!
  const up = await svc.uploadSbom(
    hospital.principal,
    mail.id,
    fixture('proton-bridge-v1.6.3.bom.json'),
    { matchNow: true },
  )
  assert.equal(up.sbom.version, 1)
  assert.ok(up.match!.created > 0)
  await svc.uploadSbom(bank.principal, bank.systems[0]!.id, fixture('dropwizard-1.3.15.bom.json'), {
    matchNow: true,
  })
  await svc.uploadSbom(
    utility.principal,
    utility.systems[0]!.id,
    'pkg:npm/left-pad@1.3.0\npkg:pypi/requests\n',
    { matchNow: true },
  )

  // 3. The expected findings, checked by hand against the records' ranges.
  const h = (await svc.listFindings(hospital.principal, { limit: 1000 })).items
  // golang.org/x/text 0.3.5-0.20201125…: below 0.3.7, 0.3.8 and 0.39.0 (affected); not below 0.3.3 (GO-2020-0015).
  for (const id of ['GO-2021-0113', 'GO-2022-1059', 'GO-2026-5970'])
    assert.ok(ids(h).has(id), `${id} expected`)
  assert.ok(!ids(h).has('GO-2020-0015'), 'x/text 0.3.5 is past GO-2020-0015’s fix 0.3.3')
  // miekg/dns 1.1.30 is past every miekg/dns fix; resty 2.3.0 is below GO-2023-2328's introduced 2.10.0.
  for (const id of ['GO-2020-0006', 'GO-2020-0008', 'GO-2020-0028', 'GO-2023-2328'])
    assert.ok(!ids(h).has(id), `${id} not expected`)
  const text = h.find((f) => f.advisoryId === 'GO-2022-1059')!
  assert.deepEqual(
    [text.packageName, text.versions, text.matchedRange, text.fixedVersion, text.status],
    ['golang.org/x/text', ['0.3.5-0.20201125200606-c27b9fd57aec'], '>=0 <0.3.8', '0.3.8', 'open'],
  )
  const b = (await svc.listFindings(bank.principal, { limit: 1000 })).items
  // Jetty 9.4.18's HTTP/2 is in 9.3.0–9.4.53 of the HTTP/2 Rapid Reset record, which KEV lists as exploited.
  const rapid = b.find(
    (f) =>
      f.advisoryId === 'GHSA-qppj-fm5r-hxr3' &&
      f.packageName === 'org.eclipse.jetty.http2:http2-server',
  )
  assert.ok(rapid)
  assert.equal(rapid.kev, true)
  assert.equal(rapid.fixedVersion, '9.4.53')
  assert.ok(ids(b).has('GHSA-mx7p-6679-8g3q'), 'jackson-databind 2.9.10 is affected')
  assert.equal((await svc.listFindings(utility.principal)).total, 0)
  // Nothing leaks across operators.
  assert.ok(h.every((f) => f.orgId === hospital.org.id))

  // 4. Drain what the first matches queued (urgent ones for the KEV finding), then watch only what follows.
  await drainDeliveries(rt.db, svc)
  await svc.sendDigest(hospital.org.id)
  await svc.sendDigest(bank.org.id)
  await drainDeliveries(rt.db, svc)
  smtp.mails.length = 0
  hooks.hits.length = 0

  // 5. A new critical advisory for the resty version the hospital runs: fanned out, notified at once.
  const fresh: OsvRecord = {
    id: 'EW-2026-0001',
    modified: '2026-11-02T09:30:00Z',
    published: '2026-11-02T09:30:00Z',
    aliases: ['CVE-2026-99001'],
    summary: 'Request smuggling in resty before 2.5.0',
    affected: [
      {
        package: { ecosystem: 'Go', name: 'github.com/go-resty/resty/v2' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.5.0' }] }],
      },
    ],
    database_specific: { severity: 'CRITICAL' },
  }
  assert.equal(
    (await services.inventoryAdvisories.upsertAdvisory(fresh, 'clearinghouse')).changed,
    true,
  )
  const fan = await svc.matchAdvisory(fresh.id)
  assert.equal(fan.created, 1)
  assert.equal(fan.systems, 1)
  assert.equal(
    await drainDeliveries(rt.db, svc),
    2,
    'one email and one webhook, for the hospital only',
  )
  assert.deepEqual(
    smtp.mails.map((m) => m.to),
    [[`soc@${hospital.org.slug}.test`]],
  )
  assert.match(smtp.mails[0]!.data, /EW-2026-0001/)
  assert.match(smtp.mails[0]!.data, /TLP:CLEAR/)
  assert.equal(hooks.hits.length, 1)
  const hit = hooks.hits[0]!
  assert.equal(hit.path, `/${hospital.org.slug}`)
  const sig = String(hit.headers[SIGNATURE_HEADER])
  assert.ok(
    verifyWebhook(secrets.get(hospital.org.slug)!, hit.body, sig, clock.now()),
    'signed with the hospital’s secret',
  )
  assert.ok(
    !verifyWebhook(secrets.get(bank.org.slug)!, hit.body, sig, clock.now()),
    'not with anyone else’s',
  )
  assert.ok(
    !verifyWebhook(secrets.get(hospital.org.slug)!, `${hit.body} `, sig, clock.now()),
    'a changed body fails',
  )
  const payload = JSON.parse(hit.body) as {
    findings: Array<{ advisory: string; fixedVersion: string }>
  }
  assert.deepEqual(
    payload.findings.map((f) => [f.advisory, f.fixedVersion]),
    [['EW-2026-0001', '2.5.0']],
  )
  const log = await svc.deliveries(hospital.principal)
  assert.ok(log.some((d) => d.status === 'delivered' && d.lastStatus === 204))

  // 6. Nothing is re-matched that did not change: the same record again is no change.
  assert.equal(
    (await services.inventoryAdvisories.upsertAdvisory(fresh, 'clearinghouse')).changed,
    false,
  )

  // 7. An analysis decision before the next SBOM version: risk accepted on x/text's newest advisory.
  const keep = h.find((f) => f.advisoryId === 'GO-2026-5970')!
  await svc.setFindingStatus(hospital.principal, keep.id, {
    status: 'risk_accepted',
    approver: 'CISO J. Rivera',
    acceptedUntil: new Date(clock.now().getTime() + 60 * DAY_MS).toISOString(),
  })

  // 8. Re-upload with x/text at 0.3.8 and resty at 2.6.0: the fixed findings close, the decision carries over.
  const bom = JSON.parse(fixture('proton-bridge-v1.8.0.bom.json').toString('utf8')) as {
    components: Array<{ purl: string; version: string }>
  }
  for (const c of bom.components)
    if (c.purl.startsWith('pkg:golang/golang.org/x/text@')) {
      c.version = 'v0.3.8'
      c.purl = 'pkg:golang/golang.org/x/text@v0.3.8'
    }
  clock.advance(3 * DAY_MS)
  const second = await svc.uploadSbom(hospital.principal, mail.id, JSON.stringify(bom), {
    matchNow: true,
  })
  assert.equal(second.sbom.version, 2)
  // Nothing is re-matched that did not change: only the packages whose versions moved were looked up.
  assert.ok(
    second.match!.unchanged > 150,
    `unchanged packages skipped (${second.match!.unchanged})`,
  )
  const image = (await svc.listFindings(hospital.principal, { advisoryId: 'GO-2023-1572' }))
    .items[0]!
  assert.equal(image.status, 'open', 'an unchanged package keeps its finding')
  const after = new Map(
    (await svc.listFindings(hospital.principal, { limit: 1000 })).items.map((f) => [
      f.advisoryId,
      f,
    ]),
  )
  for (const id of ['EW-2026-0001', 'GO-2022-1059', 'GO-2021-0113']) {
    assert.equal(after.get(id)?.status, 'patched', `${id} closed by the new SBOM`)
    assert.ok(after.get(id)?.closedAt)
  }
  assert.equal(
    after.get('GO-2026-5970')?.status,
    'risk_accepted',
    'the decision carried over to SBOM version 2',
  )
  assert.deepEqual(after.get('GO-2026-5970')?.versions, ['0.3.8'])
  const events = await svc.getFinding(hospital.principal, after.get('EW-2026-0001')!.id)
  assert.deepEqual(
    events.events.map((e) => e.kind),
    ['found', 'auto_patched'],
  )
  // The old version's components are history, not current.
  const sboms = await svc.getSystem(hospital.principal, mail.id)
  assert.deepEqual(
    sboms.sboms.map((s) => s.version),
    [2, 1],
  )
  assert.equal(sboms.system.currentSbomVersion, 2)
})

test('an embargoed advisory reaches only the operators its case allows, and its content follows the label', async (t) => {
  const allowed: string[] = []
  const { rt, services, smtp, inv, svc } = await setup(t, { allowed })
  const a = await seedOperator(services.accounts, svc, {
    sector: 'electricity',
    systems: [{ name: 'Historian' }],
  })
  const b = await seedOperator(services.accounts, svc, {
    sector: 'electricity',
    systems: [{ name: 'Historian' }],
  })
  allowed.push(a.org.id)
  for (const op of [a, b]) {
    await svc.addChannel(op.principal, { kind: 'email', target: `ops@${op.org.slug}.test` })
    await svc.uploadSbom(op.principal, op.systems[0]!.id, 'pkg:npm/historian-core@2.1.0\n', {
      matchNow: true,
    })
  }
  await services.inventoryAdvisories.upsertAdvisory(
    {
      id: 'EW-2026-0002',
      modified: '2026-11-02T10:00:00Z',
      summary: 'Secret detail of the flaw',
      affected: [
        {
          package: { ecosystem: 'npm', name: 'historian-core' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.2.0' }] }],
        },
      ],
      database_specific: { severity: 'CRITICAL' },
    },
    'clearinghouse',
    { tlp: 'AMBER+STRICT' },
  )
  await svc.matchAdvisory('EW-2026-0002')
  assert.equal((await svc.listFindings(a.principal)).total, 1)
  assert.equal((await svc.listFindings(b.principal)).total, 0, 'the case does not allow operator b')
  await drainDeliveries(rt.db, svc)
  assert.deepEqual(
    smtp.mails.map((m) => m.to),
    [[`ops@${a.org.slug}.test`]],
  )
  assert.match(smtp.mails[0]!.data, /TLP:AMBER\+STRICT/)
  assert.doesNotMatch(
    smtp.mails[0]!.data,
    /Secret detail/,
    'AMBER+STRICT details stay behind sign-in',
  )
})

test('VEX suppresses visibly with its justification; program-wide rules cover every operator; bad transitions are refused', async (t) => {
  const { services, inv, svc } = await setup(t)
  await loadOsvSample(services.inventoryAdvisories)
  const op = await seedOperator(services.accounts, svc, {
    sector: 'healthcare',
    systems: [{ name: 'EHR' }],
  })
  await svc.uploadSbom(op.principal, op.systems[0]!.id, fixture('proton-bridge-v1.6.3.bom.json'), {
    matchNow: true,
  })
  const vex = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://example.test/vex/1',
    author: 'Hospital SOC',
    timestamp: '2026-11-02T09:00:00Z',
    version: 1,
    statements: [
      {
        vulnerability: { name: 'CVE-2022-32149' },
        products: [{ '@id': 'pkg:golang/golang.org/x/text@v0.3.5-0.20201125200606-c27b9fd57aec' }],
        status: 'not_affected',
        justification: 'vulnerable_code_not_in_execute_path',
      },
    ],
  }
  const r = await svc.addVex(op.principal, vex)
  assert.deepEqual(r, { format: 'openvex', statements: 1, suppressed: 1 })
  const f = (await svc.listFindings(op.principal, { advisoryId: 'GO-2022-1059' })).items[0]!
  assert.equal(f.status, 'not_affected')
  assert.match(f.suppressedBy!, /^vex:vex_/)
  assert.match(f.suppressionJustification!, /vulnerable_code_not_in_execute_path/)

  // A program-wide rule for every operator (e.g. a vendor's VEX), by alias.
  const analyst = await (await import('../accounts/testing.ts')).seedMember(services.accounts, {
    kind: 'program',
    roles: ['analyst'],
  })
  const rule = {
    bomFormat: 'CycloneDX',
    specVersion: '1.4',
    version: 1,
    vulnerabilities: [
      {
        id: 'CVE-2021-38561',
        analysis: { state: 'not_affected', justification: 'code_not_reachable' },
        affects: [],
      },
    ],
  }
  const pr = await svc.addVex(analyst.principal, rule, { programWide: true })
  assert.equal(pr.suppressed, 1)
  const g = (await svc.listFindings(op.principal, { advisoryId: 'GO-2021-0113' })).items[0]!
  assert.equal(g.status, 'not_affected')
  assert.match(g.suppressionJustification!, /Program-wide rule/)

  // A not_affected decision needs its justification; risk acceptance an approver and expiry.
  const open = (await svc.listFindings(op.principal, { status: ['open'] })).items[0]!
  await assert.rejects(
    svc.setFindingStatus(op.principal, open.id, { status: 'not_affected' }),
    (e) => isAppError(e, 'EW_VALIDATION'),
  )
  await assert.rejects(
    svc.setFindingStatus(op.principal, open.id, { status: 'risk_accepted', approver: 'x' }),
    (e) => isAppError(e, 'EW_VALIDATION'),
  )
  const other = await seedOperator(services.accounts, svc, { sector: 'water' })
  await assert.rejects(
    svc.setFindingStatus(other.principal, open.id, { status: 'in_progress' }),
    (e) => isAppError(e, 'EW_NOT_FOUND'),
  )
})

test('a component without a version is possibly affected, never skipped; an overdue finding escalates once', async (t) => {
  const { clock, rt, services, smtp, inv, svc } = await setup(t)
  await loadOsvSample(services.inventoryAdvisories)
  const op = await seedOperator(services.accounts, svc, {
    sector: 'government',
    systems: [{ name: 'Permits portal', internetExposed: true }],
  })
  await svc.addChannel(op.principal, { kind: 'email', target: `it@${op.org.slug}.test` })
  const r = await svc.uploadSbom(
    op.principal,
    op.systems[0]!.id,
    'pkg:golang/github.com/gin-gonic/gin\npkg:weird/x@1\n',
    { matchNow: true },
  )
  assert.equal(r.unmatched.length, 1)
  assert.match(r.unmatched[0]!.reason, /not an ecosystem/)
  const list = (await svc.listFindings(op.principal, { limit: 1000 })).items
  assert.ok(list.length > 0)
  assert.ok(list.every((f) => f.matchKind === 'possibly_affected' && f.versions.length === 0))
  await drainDeliveries(rt.db, svc)
  smtp.mails.length = 0
  clock.advance(400 * DAY_MS)
  const e = await svc.escalateOverdue()
  assert.equal(e.escalated, list.length)
  assert.equal((await svc.escalateOverdue()).escalated, 0, 'once')
  await drainDeliveries(rt.db, svc)
  assert.equal(smtp.mails.length, 1)
  assert.match(smtp.mails[0]!.data, /overdue/)
})

test('a webhook that fails is retried by its job: each attempt is in the delivery log, the last one marks it failed', async (t) => {
  const { rt, services, svc } = await setup(t)
  let answer = 503
  const seen: string[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      seen.push(String(req.headers[SIGNATURE_HEADER]))
      res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const op = await seedOperator(services.accounts, svc, {
    sector: 'water',
    systems: [{ name: 'Billing' }],
  })
  await svc.addChannel(op.principal, {
    kind: 'webhook',
    target: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
  })
  await svc.uploadSbom(op.principal, op.systems[0]!.id, 'pkg:npm/meter-reader@1.0.0\n', {
    matchNow: true,
  })
  await services.inventoryAdvisories.upsertAdvisory(
    {
      id: 'EW-2026-0003',
      modified: '2026-11-02T10:00:00Z',
      affected: [
        {
          package: { ecosystem: 'npm', name: 'meter-reader' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
        },
      ],
      database_specific: { severity: 'CRITICAL' },
    },
    'clearinghouse',
  )
  await svc.matchAdvisory('EW-2026-0003')
  const [d] = await svc.deliveries(op.principal)
  assert.ok(d)
  // 1. A failing attempt throws, so pg-boss retries it with backoff; the log says why.
  await assert.rejects(svc.deliver(d.id, { final: false }), /webhook answered 503/)
  let log = (await svc.deliveries(op.principal))[0]!
  assert.deepEqual([log.status, log.attempts, log.lastStatus], ['pending', 1, 503])
  // 2. The retry succeeds.
  answer = 200
  assert.deepEqual(await svc.deliver(d.id, { final: false }), { delivered: true })
  log = (await svc.deliveries(op.principal))[0]!
  assert.deepEqual([log.status, log.attempts, log.lastStatus], ['delivered', 2, 200])
  assert.equal(seen.length, 2)
  assert.ok(seen.every((s) => /^t=\d+,v1=[0-9a-f]{64}$/.test(s)))
  // 3. A delivered one is not sent again (delivery is at least once; the handler is idempotent).
  assert.deepEqual(await svc.deliver(d.id, { final: true }), { delivered: false })
  assert.equal(seen.length, 2)
  void rt
})
