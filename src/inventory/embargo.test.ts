/**
 * Embargoed advisories end to end, through the real services and HTTP app: a disclosure case
 * names the operators allowed to receive its TLP:AMBER advisory; once published, the advisory
 * reaches an allowed affected operator — by email (a local SMTP server), signed webhook and
 * in-app, each marked TLP:AMBER — and never an affected operator the case does not allow.
 */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { SIGNATURE_HEADER, verifyWebhook } from './notify.ts'
import { smtpSink, webhookSink } from './test-sinks.ts'
import { drainDeliveries, seedOperator } from './testing.ts'

test('an embargoed (TLP:AMBER) advisory reaches only the affected operators its case allows, marked AMBER by email, webhook and in-app', async (t) => {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const smtp = await smtpSink(t)
  const hooks = await webhookSink(t)
  const rt = await testRuntime(t, {
    clock,
    settings: {
      EARLYWATCH_SMTP_HOST: '127.0.0.1',
      EARLYWATCH_SMTP_PORT: String(smtp.port),
      EARLYWATCH_SMTP_REQUIRE_TLS: 'false',
      EARLYWATCH_SMTP_FROM: 'earlywatch@test.earlywatch.test',
    },
  })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const { clearinghouse: ch, advisories } = services
  const svc = services.inventory.service
  const partner = await seedMember(services.accounts, {
    kind: 'partner',
    roles: ['partner_member'],
  })
  const analyst = await seedMember(services.accounts, { kind: 'program', roles: ['analyst'] })
  const vendor = await seedMember(services.accounts, { kind: 'vendor', roles: ['vendor_member'] })

  // 1. Two hospitals run the affected version; a third runs the fixed one.
  const allowed = await seedOperator(services.accounts, svc, {
    sector: 'healthcare',
    systems: [{ name: 'Patient portal', internetExposed: true }],
  })
  const other = await seedOperator(services.accounts, svc, {
    sector: 'healthcare',
    systems: [{ name: 'Patient portal', internetExposed: true }],
  })
  const patched = await seedOperator(services.accounts, svc, {
    sector: 'healthcare',
    systems: [{ name: 'Patient portal' }],
  })
  const secrets = new Map<string, string>()
  for (const [op, version] of [
    [allowed, '2.3.0'],
    [other, '2.3.0'],
    [patched, '2.4.1'],
  ] as const) {
    await svc.addChannel(op.principal, { kind: 'email', target: `soc@${op.org.slug}.test` })
    const hook = await svc.addChannel(op.principal, {
      kind: 'webhook',
      target: `${hooks.url}/${op.org.slug}`,
    })
    secrets.set(op.org.slug, hook.secret!)
    await svc.uploadSbom(op.principal, op.systems[0]!.id, `pkg:npm/acme-forum@${version}\n`, {
      matchNow: true,
    })
  }

  // 2. A validated report becomes an AMBER case; the vendor fixes it in 2.4.1.
  const receipt = await ch.submitReport(partner.principal, {
    title: 'Remote code execution in the forum template engine',
    description: 'Template expressions in user signatures are evaluated on the server.',
    reproduction: 'Set a signature to {{7*7}} and view any post.',
    product: { purl: 'pkg:npm/acme-forum@2.3.0' },
    cwe: 'CWE-94',
    cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    foundWith: { method: 'manual' },
    creditWanted: false,
  })
  await ch.transition(analyst.principal, receipt.id, { to: 'triaging', reason: 'start' })
  await ch.transition(analyst.principal, receipt.id, { to: 'validated', reason: 'reproduced' })
  const opened = await ch.openCase(analyst.principal, { reportIds: [receipt.id] })
  assert.equal(opened.tlp, 'AMBER')
  await ch.inviteVendor(analyst.principal, opened.id, { orgId: vendor.org.id })
  await ch.setVex(vendor.principal, opened.id, {
    product: 'acme-forum',
    versionRange: '>= 2.0.0, < 2.4.1',
    status: 'fixed',
    fixedVersion: '2.4.1',
  })

  // 3. The coordinator names the operators the case allows: only program staff may, and only operators.
  const put = (token: string, payload: { orgIds: string[]; reason: string }) =>
    app.inject({
      method: 'PUT',
      url: `/api/clearinghouse/cases/${opened.id}/operators`,
      headers: bearer(token),
      payload,
    })
  assert.equal(
    (await put(vendor.token, { orgIds: [vendor.org.id], reason: 'mine' })).statusCode,
    403,
  )
  const refused = await put(analyst.token, { orgIds: [vendor.org.id], reason: 'wrong kind' })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.json().detail, /only operators/)
  assert.equal((await put(analyst.token, { orgIds: [], reason: '  ' })).statusCode, 400)
  const set = await put(analyst.token, {
    orgIds: [allowed.org.id],
    reason: 'Regional health ISAC member; runs the product on its patient portal.',
  })
  assert.equal(set.statusCode, 200, set.body)
  assert.deepEqual(set.json().orgIds, [allowed.org.id])
  const listed = await app.inject({
    method: 'GET',
    url: `/api/clearinghouse/cases/${opened.id}/operators`,
    headers: bearer(analyst.token),
  })
  assert.equal(listed.json().history.length, 1)
  const logged = await services.translog.entries({
    type: 'case.operators_allowed',
    limit: 10,
    offset: 0,
  })
  assert.equal(logged.total, 1)
  assert.deepEqual(logged.items[0]!.entry.data, { caseId: opened.id, operators: 1 })
  assert.ok(
    logged.items[0]!.entry.commitments?.orgIds,
    'which operators is committed, not published',
  )

  // 4. The advisory is published under TLP:AMBER (every vendor agreed early) and handed to the inventory.
  const draft = await advisories.draftFromCase(analyst.principal, opened.id)
  await advisories.update(analyst.principal, draft.id, { tlp: 'AMBER' })
  await ch.agreeToPublish(vendor.principal, opened.id)
  await advisories.publish(analyst.principal, draft.id)
  await advisories.notifyPublished({ advisoryId: draft.id, revision: 1 })
  const osvId = `x_${draft.id}`
  const stored = await services.inventoryAdvisories.getAdvisory(osvId)
  assert.equal(stored?.tlp, 'AMBER')
  await svc.matchAdvisory(osvId)

  // 5. Findings: the allowed operator only; the other affected one is not told it exists.
  const findings = async (op: typeof allowed) =>
    (await svc.listFindings(op.principal, { advisoryId: osvId })).items
  const mine = await findings(allowed)
  assert.equal(mine.length, 1)
  assert.equal(mine[0]!.tlp, 'AMBER')
  assert.equal(mine[0]!.fixedVersion, '2.4.1')
  assert.equal((await findings(other)).length, 0, 'an affected operator the case does not allow')
  assert.equal((await findings(patched)).length, 0, 'not affected')

  // 6. Every channel: the allowed operator gets it marked TLP:AMBER; nobody else gets anything.
  await drainDeliveries(rt.db, svc)
  assert.deepEqual(
    smtp.mails.map((m) => m.to),
    [[`soc@${allowed.org.slug}.test`]],
  )
  assert.match(smtp.mails[0]!.data, /Subject: \[TLP:AMBER\] earlywatch/)
  assert.match(smtp.mails[0]!.data, /acme-forum/, 'AMBER carries its details to whom it may')
  assert.deepEqual(
    hooks.hits.map((h) => h.path),
    [`/${allowed.org.slug}`],
  )
  const hit = hooks.hits[0]!
  assert.ok(
    verifyWebhook(
      secrets.get(allowed.org.slug)!,
      hit.body,
      String(hit.headers[SIGNATURE_HEADER]),
      clock.now(),
    ),
  )
  const payload = JSON.parse(hit.body)
  assert.equal(payload.tlp, 'AMBER')
  assert.deepEqual(
    payload.findings.map((f: { advisory: string; tlp: string }) => [f.advisory, f.tlp]),
    [[osvId, 'AMBER']],
  )
  const inApp = async (op: typeof allowed) =>
    (await services.notifications.list(op.principal)).items.filter(
      (n) => n.kind === 'inventory.finding',
    )
  const told = await inApp(allowed)
  assert.equal(told.length, 1)
  assert.match(told[0]!.title, /^\[TLP:AMBER\] /)
  assert.deepEqual(await inApp(other), [])
  assert.deepEqual(await inApp(patched), [])

  // 7. Allowing the other operator later re-matches the advisory for it (and only then).
  await ch.setAllowedOperators(analyst.principal, opened.id, {
    orgIds: [allowed.org.id, other.org.id],
    reason: 'The second hospital joined the sharing agreement.',
  })
  await svc.matchAdvisory(osvId)
  assert.equal((await findings(other)).length, 1)
  assert.equal((await findings(patched)).length, 0)
})
