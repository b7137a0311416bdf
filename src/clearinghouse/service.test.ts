/** The clearinghouse service against a real database: intake, SARIF, de-duplication, triage, SSVC, SLAs, cases, VEX and embargo. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DAY_MS } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import { SlaCheck } from './jobs.ts'
import type { ReportInput } from './service.ts'
import { reportInput, START, sarif, setup } from './testing.ts'

const countReports = async (t: {
  rt: { db: { query: <T>(s: string) => Promise<{ rows: T[] }> } }
}) => (await t.rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ch_report')).rows[0]!.n

test('a report through the API gets a receipt, computed CVSS scores and a report.received log entry', async (t) => {
  const { ch, partner, services } = await setup(t)
  const receipt = await ch.submitReport(partner.principal, reportInput())
  assert.match(receipt.id, /^rpt_/)
  assert.equal(receipt.state, 'new')
  assert.equal(receipt.statusUrl, `/api/clearinghouse/reports/${receipt.id}`)
  assert.equal(receipt.created, true)
  const r = await ch.getReport(partner.principal, receipt.id)
  assert.equal(r.cvss31?.score, 5.4)
  assert.equal(r.cvss40?.score, 5.1)
  assert.equal(r.productKey, 'pkg:npm/acme-forum', 'the product key drops the version')
  assert.deepEqual(
    r.sla.map((s) => [s.kind, s.state]),
    [['triage', 'open']],
  )
  const entry = await services.translog.entry(receipt.logIndex!)
  assert.equal(entry.entry.type, 'report.received')
  assert.equal(entry.entry.data.reportId, receipt.id)
  assert.ok(entry.entry.commitments?.title, 'the embargoed title is committed to, not published')
  assert.equal(JSON.stringify(entry.entry).includes('Stored XSS'), false)
})

test('bad input names the problem and stores nothing', async (t) => {
  const s = await setup(t)
  const cases: Array<[Partial<ReportInput>, string, RegExp]> = [
    [{ cvss31: 'CVSS:3.1/AV:N/AC:L' }, 'cvss31', /CVSS:3\.1\/AV:N\/AC:L.*missing/],
    [
      { cvss40: 'CVSS:4.0/AV:Z/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
      'cvss40',
      /Unknown component value Z/,
    ],
    [{ product: { purl: 'npm/acme' } }, 'product.purl', /not a package URL/],
    [{ product: { cpe: 'cpe:/a:acme:forum' } }, 'product.cpe', /CPE 2\.3/],
    [{ product: { vendor: 'Acme' } }, 'product', /vendor and product/],
    [{ cwe: 'XSS' }, 'cwe', /not a CWE id/],
    [{ foundWith: { method: 'model' } }, 'foundWith.submissionId', /model submission/],
    [{ cveIds: ['CVE-24-1'] }, 'cveIds[0]', /not a CVE id/],
  ]
  for (const [over, path, message] of cases) {
    await assert.rejects(
      s.ch.submitReport(s.partner.principal, reportInput(over)),
      (e) =>
        isAppError(e, 'EW_VALIDATION') && e.errors?.[0]?.path === path && message.test(e.detail),
      path,
    )
  }
  assert.equal(await countReports(s), 0)
})

test('a finding made with a pre-release model keeps the submission and grant it came from', async (t) => {
  const { ch, partner, services } = await setup(t)
  const receipt = await ch.submitReport(
    partner.principal,
    reportInput({
      foundWith: {
        method: 'model',
        submissionId: 'sub_0123456789abcdef',
        grantId: 'grt_0123456789abcdef',
      },
    }),
  )
  const r = await ch.getReport(partner.principal, receipt.id)
  assert.deepEqual(r.foundWith, {
    method: 'model',
    submissionId: 'sub_0123456789abcdef',
    grantId: 'grt_0123456789abcdef',
  })
  const entry = await services.translog.entry(receipt.logIndex!)
  assert.equal(entry.entry.data.submissionId, 'sub_0123456789abcdef')
})

test('every SARIF result becomes a finding with rule, location, CWE and fingerprints; a second import adds nothing', async (t) => {
  const s = await setup(t)
  const input = {
    log: sarif('flawfinder-valid-results.sarif'),
    product: { vendor: 'Acme', product: 'legacy-cli', versions: '1.x' },
    foundWith: { method: 'tool' as const },
  }
  const first = await s.ch.importSarif(s.partner.principal, input)
  assert.equal(first.created, 3)
  assert.equal(first.existing, 0)
  const r = await s.ch.getReport(s.analyst.principal, first.receipts[0]!.id)
  assert.equal(r.finding?.tool, 'Flawfinder')
  assert.equal(r.finding?.ruleId, 'FF1001')
  assert.equal(r.finding?.ruleName, 'buffer/strcpy')
  assert.equal(r.cwe, 'CWE-120', 'CWE from the rule’s relationship to the CWE taxonomy')
  assert.deepEqual(r.finding?.location, {
    uri: 'test1.cpp',
    startLine: 32,
    startColumn: 13,
    logical: null,
  })
  assert.match(r.finding?.fingerprints['contextHash/v1'] ?? '', /^2db56aa0/)
  assert.equal(r.foundWith.tool, 'Flawfinder', 'the tool is taken from the log')

  const again = await s.ch.importSarif(s.partner.principal, input)
  assert.equal(again.created, 0)
  assert.equal(again.existing, 3)
  assert.deepEqual(
    again.receipts.map((x) => x.id),
    first.receipts.map((x) => x.id),
  )
  assert.equal(await countReports(s), 3, 'no new reports, so no new duplicates')

  // Another organisation reporting the same log is a likely duplicate of each, found by fingerprint.
  const other = await s.member('partner', ['partner_member'])
  const theirs = await s.ch.importSarif(other.principal, input)
  assert.equal(theirs.created, 3)
  for (const [i, rc] of theirs.receipts.entries()) {
    assert.deepEqual(
      rc.likelyDuplicates.filter((d) => d.match === 'fingerprint').map((d) => d.id),
      [first.receipts[i]!.id],
    )
  }
})

test('partialFingerprints are the location when present: the same finding on a moved line is still a duplicate', async (t) => {
  const s = await setup(t)
  const log = sarif('codeql-valid-sarif.sarif') as {
    runs: Array<{
      results: Array<{ locations: Array<{ physicalLocation: { region: { startLine: number } } }> }>
    }>
  }
  const product = { purl: 'pkg:npm/example-app' }
  const a = await s.ch.importSarif(s.partner.principal, {
    log,
    product,
    foundWith: { method: 'tool' },
  })
  const r = await s.ch.getReport(s.partner.principal, a.receipts[0]!.id)
  assert.deepEqual(r.finding?.partialFingerprints, {
    primaryLocationLineHash: '39fa2ee980eb94b0:1',
    primaryLocationStartColumnFingerprint: '4',
  })
  const moved = structuredClone(log)
  moved.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine = 40
  const b = await s.ch.importSarif(s.partner.principal, {
    log: moved,
    product,
    foundWith: { method: 'tool' },
  })
  assert.equal(b.created, 0, 'same partial fingerprints: the same finding')
})

test('AI-finding properties are kept and a demonstrated exploit goes to the front of the triage queue', async (t) => {
  const s = await setup(t)
  await s.ch.submitReport(s.partner.principal, reportInput({ title: 'Older manual report' }))
  s.clock.advance(60_000)
  const res = await s.ch.importSarif(s.partner.principal, {
    log: sarif('ai-model-findings.sarif'),
    product: { purl: 'pkg:npm/tenant-portal' },
    foundWith: { method: 'model', submissionId: 'sub_0123456789abcdef' },
  })
  assert.equal(res.created, 3)
  const queue = await s.ch.listReports(s.analyst.principal, { limit: 50, offset: 0 })
  assert.deepEqual(
    queue.items.map((r) => r.ai?.exploitability ?? null),
    ['demonstrated', 'poc', 'theoretical', null],
  )
  const top = queue.items[0]!
  assert.equal(top.cwe, 'CWE-89')
  assert.deepEqual(top.ai, {
    origin: 'generated',
    exploitability: 'demonstrated',
    attackerPosition: 'authenticated-network',
    evidence: [
      {
        summary: 'Exploit script dumped rows of a second tenant on a test instance.',
        strength: 'demonstrated',
        backing: ['https://example.com/evidence/sqli-run.md'],
      },
    ],
    confidence: 93,
  })
  assert.equal(
    queue.items[1]!.cwe,
    'CWE-79',
    'CWE from the external/cwe/cwe-079 tag and the rule id',
  )
  assert.equal(queue.items[2]!.cwe, null, 'a NOVEL finding has no CWE')
  const filtered = await s.ch.listReports(s.analyst.principal, {
    exploitability: 'poc',
    limit: 50,
    offset: 0,
  })
  assert.equal(filtered.total, 1)
})

test('an invalid SARIF log is refused with the path of each problem, and nothing is half-imported', async (t) => {
  const s = await setup(t)
  const product = { purl: 'pkg:npm/x' }
  await assert.rejects(
    s.ch.importSarif(s.partner.principal, {
      log: sarif('codeql-invalid-sarif.sarif'),
      product,
      foundWith: { method: 'tool' },
    }),
    (e) =>
      isAppError(e, 'EW_VALIDATION') && e.errors!.some((x) => x.path === 'log.runs[0].results'),
  )
  const bad = structuredClone(sarif('ai-model-findings.sarif')) as {
    runs: Array<{
      properties: Record<string, unknown>
      results: Array<{ properties: Record<string, unknown> }>
    }>
  }
  bad.runs[0]!.results[2]!.properties['ai/exploitability'] = 'likely'
  bad.runs[0]!.properties['ai/origin'] = 'magic'
  await assert.rejects(
    s.ch.importSarif(s.partner.principal, { log: bad, product, foundWith: { method: 'tool' } }),
    (e) =>
      isAppError(e, 'EW_VALIDATION') &&
      e.errors!.some(
        (x) =>
          x.path === 'log.runs[0].results[2].properties.ai/exploitability' &&
          /demonstrated, poc, theoretical/.test(x.message),
      ) &&
      e.errors!.some((x) => x.path === 'log.runs[0].properties.ai/origin'),
  )
  assert.equal(
    await countReports(s),
    0,
    'the two valid results of the refused log were not imported',
  )
})

test('triage records who and why; a closed report cannot be moved on without reopening', async (t) => {
  const s = await setup(t)
  const { id } = await s.ch.submitReport(s.partner.principal, reportInput())
  await assert.rejects(
    s.ch.transition(s.partner.principal, id, { to: 'triaging', reason: 'x' }),
    (e) => isAppError(e, 'EW_FORBIDDEN'),
  )
  await assert.rejects(
    s.ch.transition(s.analyst.principal, id, { to: 'validated', reason: 'skip' }),
    (e) => isAppError(e, 'EW_INVALID_TRANSITION'),
  )
  await s.ch.transition(s.analyst.principal, id, { to: 'triaging', reason: 'Looking at it' })
  const v = await s.ch.transition(s.analyst.principal, id, {
    to: 'validated',
    reason: 'Reproduced on 2.3.0',
  })
  assert.equal(v.state, 'validated')
  assert.deepEqual(
    v.sla.map((x) => [x.kind, x.state]),
    [
      ['triage', 'met'],
      ['vendor_contact', 'open'],
    ],
  )
  const events = await s.ch.reportEvents(s.partner.principal, id)
  const last = events.at(-1)!
  assert.equal(last.reason, 'Reproduced on 2.3.0')
  assert.equal(last.actor?.personId, s.analyst.person.id)
  assert.equal(last.fromState, 'triaging')
  // The reporter can follow the status.
  assert.equal((await s.ch.getReport(s.partner.principal, id)).state, 'validated')
  // Nobody else outside staff sees it.
  const stranger = await s.member('partner', ['partner_member'])
  await assert.rejects(s.ch.getReport(stranger.principal, id), (e) => isAppError(e, 'EW_NOT_FOUND'))
})

test('merging a duplicate keeps every reporter’s credit and evidence', async (t) => {
  const s = await setup(t)
  const other = await s.member('partner', ['partner_member'])
  const a = await s.ch.submitReport(s.partner.principal, reportInput({ creditName: 'Grace Obi' }))
  s.clock.advance(60_000)
  const b = await s.ch.submitReport(
    other.principal,
    reportInput({ title: 'stored XSS in the comment-preview!' }),
  )
  assert.deepEqual(
    b.likelyDuplicates.map((d) => [d.id, d.match]),
    [[a.id, 'fingerprint']],
    'normalised titles match',
  )
  await s.ch.addReportAttachment(other.principal, b.id, {
    filename: 'poc.html',
    mediaType: 'text/plain',
    content: Buffer.from('<img src=x onerror=alert(1)>'),
  })
  await s.ch.transition(s.analyst.principal, b.id, {
    to: 'duplicate',
    reason: 'Same as the first',
    duplicateOf: a.id,
  })
  const merged = await s.ch.getReport(s.analyst.principal, a.id)
  assert.deepEqual(
    merged.credits.map((c) => [c.reportId, c.name]),
    [
      [a.id, 'Grace Obi'],
      [b.id, other.person.name],
    ],
  )
  assert.deepEqual(
    merged.attachments.map((x) => x.filename),
    ['poc.html'],
    'the duplicate’s evidence is visible from the report it merged into',
  )
  await assert.rejects(
    s.ch.transition(s.analyst.principal, b.id, { to: 'duplicate', reason: 'x' }),
    (e) => isAppError(e, 'EW_INVALID_TRANSITION'),
  )
})

test('SSVC decisions use the CISA table, record their inputs, and a CVE in KEV makes exploitation active', async (t) => {
  const s = await setup(t, { kev: ['CVE-2024-3094'] })
  const plain = await s.ch.submitReport(s.partner.principal, reportInput())
  const r1 = await s.ch.decideSsvc(s.analyst.principal, plain.id, {
    exploitation: 'none',
    automatable: 'yes',
    technicalImpact: 'total',
    missionWellbeing: 'high',
  })
  assert.equal(r1.ssvc?.decision, 'attend')
  assert.equal(r1.ssvc?.kev, false)
  const known = await s.ch.submitReport(
    s.partner.principal,
    reportInput({ title: 'xz backdoor', cveIds: ['cve-2024-3094'] }),
  )
  const r2 = await s.ch.decideSsvc(s.analyst.principal, known.id, {
    exploitation: 'none',
    automatable: 'yes',
    technicalImpact: 'total',
    missionWellbeing: 'high',
  })
  assert.equal(r2.ssvc?.inputs.exploitation, 'active')
  assert.equal(r2.ssvc?.kev, true)
  assert.equal(r2.ssvc?.decision, 'act')
  assert.deepEqual(s.kevAsked.at(-1), ['CVE-2024-3094'])
  const queue = await s.ch.listReports(s.analyst.principal, { limit: 10, offset: 0 })
  assert.equal(queue.items[0]!.id, known.id, 'Act before Attend in the queue')
})

test('assignment goes to analysts only', async (t) => {
  const s = await setup(t)
  const { id } = await s.ch.submitReport(s.partner.principal, reportInput())
  const r = await s.ch.assign(s.analyst.principal, id, { assigneePersonId: s.analyst.person.id })
  assert.equal(r.assigneeName, s.analyst.person.name)
  await assert.rejects(
    s.ch.assign(s.analyst.principal, id, { assigneePersonId: s.partner.person.id }),
    (e) => isAppError(e, 'EW_VALIDATION'),
  )
  const mine = await s.ch.listReports(s.analyst.principal, {
    assignee: s.analyst.person.id,
    limit: 10,
    offset: 0,
  })
  assert.equal(mine.total, 1)
})

test('SLA jobs are scheduled at intake and alert staff once when triage is overdue', async (t) => {
  const s = await setup(t)
  const { id } = await s.ch.submitReport(s.partner.principal, reportInput())
  assert.equal(
    await s.rt.jobs.queued(SlaCheck.name),
    1,
    'one SLA job waits for the triage deadline',
  )
  const payload = {
    reportId: id,
    kind: 'triage' as const,
    dueAt: new Date(Date.parse(START) + 3 * DAY_MS).toISOString(),
  }
  assert.deepEqual(await s.ch.checkSla(payload), { alerted: false }, 'not yet due')
  s.clock.advance(3 * DAY_MS + 1)
  assert.deepEqual(await s.ch.checkSla(payload), { alerted: true })
  assert.deepEqual(await s.ch.checkSla(payload), { alerted: false }, 'once')
  const inbox = await s.services.notifications.list(s.analyst.principal)
  assert.ok(inbox.items.some((n) => n.kind === 'clearinghouse.sla_overdue' && n.subjectId === id))
  const view = await s.ch.getReport(s.analyst.principal, id)
  assert.equal(view.sla[0]!.state, 'overdue')
})

async function validated(s: Awaited<ReturnType<typeof setup>>, over: Partial<ReportInput> = {}) {
  const { id } = await s.ch.submitReport(s.partner.principal, reportInput(over))
  await s.ch.transition(s.analyst.principal, id, { to: 'triaging', reason: 'start' })
  await s.ch.transition(s.analyst.principal, id, { to: 'validated', reason: 'reproduced' })
  return id
}

test('a case opens from validated reports; the first vendor contact sets a 90-day embargo; VEX statuses are validated', async (t) => {
  const s = await setup(t)
  const reportId = await validated(s)
  const c = await s.ch.openCase(s.analyst.principal, { reportIds: [reportId] })
  assert.match(c.id, /^case_/)
  assert.equal(c.tlp, 'AMBER')
  assert.deepEqual(c.participants.map((p) => p.role).sort(), ['coordinator', 'reporter'])
  assert.equal(c.embargoEndsAt, null)
  s.clock.advance(DAY_MS)
  const invited = await s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: s.vendor.org.id })
  assert.equal(invited.vendorContactAt?.toISOString(), '2026-11-03T00:00:00.000Z')
  assert.equal(
    invited.embargoEndsAt?.toISOString(),
    '2027-02-01T00:00:00.000Z',
    '90 days after contact',
  )
  assert.equal(invited.embargo[0]!.kind, 'set')
  assert.equal(invited.embargoDaysLeft, 90)
  const r = await s.ch.getReport(s.analyst.principal, reportId)
  assert.equal(r.sla.find((x) => x.kind === 'vendor_contact')?.state, 'met')
  const inbox = await s.services.notifications.list(s.vendor.principal)
  assert.match(inbox.items[0]!.title, /^\[TLP:AMBER\] You are invited/)

  await assert.rejects(
    s.ch.setVex(s.vendor.principal, c.id, {
      product: 'acme-forum',
      versionRange: '< 2.4.1',
      status: 'fixed',
    }),
    (e) => isAppError(e, 'EW_VALIDATION') && e.errors?.[0]?.path === 'body.fixedVersion',
  )
  await assert.rejects(
    s.ch.setVex(s.vendor.principal, c.id, {
      product: 'acme-forum',
      versionRange: '1.x',
      status: 'known_not_affected',
    }),
    (e) => isAppError(e, 'EW_VALIDATION') && /vulnerable_code_not_present/.test(e.detail),
  )
  await s.ch.setVex(s.vendor.principal, c.id, {
    product: 'acme-forum',
    versionRange: '1.x',
    status: 'known_not_affected',
    justification: 'vulnerable_code_not_present',
  })
  await s.ch.setVex(s.vendor.principal, c.id, {
    product: 'acme-forum',
    versionRange: '>= 2.0.0, < 2.4.1',
    status: 'under_investigation',
  })
  const v = await s.ch.setVex(s.vendor.principal, c.id, {
    product: 'acme-forum',
    versionRange: '>= 2.0.0, < 2.4.1',
    status: 'fixed',
    fixedVersion: '2.4.1',
  })
  assert.deepEqual(
    v.vex.map((x) => [x.versionRange, x.status, x.justification, x.fixedVersion]),
    [
      ['1.x', 'known_not_affected', 'vulnerable_code_not_present', null],
      ['>= 2.0.0, < 2.4.1', 'fixed', null, '2.4.1'],
    ],
  )
  await assert.rejects(
    s.ch.setVex(s.partner.principal, c.id, {
      product: 'acme-forum',
      versionRange: '2.x',
      status: 'known_affected',
    }),
    (e) => isAppError(e, 'EW_FORBIDDEN'),
    'only invited vendors state VEX',
  )
  const outsider = await s.member('vendor', ['vendor_member'])
  await assert.rejects(
    s.ch.setVex(outsider.principal, c.id, {
      product: 'x',
      versionRange: '1',
      status: 'known_affected',
    }),
    (e) => isAppError(e, 'EW_NOT_FOUND'),
    'an uninvited vendor does not learn the AMBER case exists',
  )
  await assert.rejects(
    s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: s.partner.org.id }),
    (e) => isAppError(e, 'EW_VALIDATION') && /only vendors/.test(e.detail),
  )
})

test('the case opening and embargo decisions are in the transparency log', async (t) => {
  const s = await setup(t)
  const c = await s.ch.openCase(s.analyst.principal, {
    reportIds: [await validated(s)],
    title: 'Forum XSS',
  })
  await s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: s.vendor.org.id })
  await s.ch.setEmbargo(s.analyst.principal, c.id, {
    endsAt: new Date('2027-01-15T00:00:00Z'),
    reason: 'Vendor ships early',
  })
  const { items } = await s.services.translog.entries({ limit: 50, offset: 0 } as never)
  const types = items.map((e) => e.entry.type)
  for (const type of [
    'report.received',
    'report.triaged',
    'case.opened',
    'embargo.set',
    'embargo.changed',
  ])
    assert.ok(types.includes(type as never), type)
  const changed = items.find((e) => e.entry.type === 'embargo.changed')!
  assert.equal(changed.entry.data.to, '2027-01-15T00:00:00.000Z')
  assert.ok(changed.entry.commitments?.reason)
})

test('exploitation in the wild shortens the embargo to 7 days; extensions are requested and decided with reasons', async (t) => {
  const s = await setup(t)
  const c = await s.ch.openCase(s.analyst.principal, { reportIds: [await validated(s)] })
  await s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: s.vendor.org.id })
  await assert.rejects(
    s.ch.requestExtension(s.vendor.principal, c.id, {
      until: new Date('2027-01-01T00:00:00Z'),
      reason: 'earlier',
    }),
    (e) => isAppError(e, 'EW_VALIDATION'),
  )
  let v = await s.ch.requestExtension(s.vendor.principal, c.id, {
    until: new Date('2027-03-01T00:00:00Z'),
    reason: 'Backports for LTS',
  })
  const request = v.embargo.find((e) => e.kind === 'extension_requested')!
  v = await s.ch.decideExtension(s.analyst.principal, c.id, request.id, {
    grant: true,
    reason: 'LTS users matter',
  })
  assert.equal(v.embargoEndsAt?.toISOString(), '2027-03-01T00:00:00.000Z')
  assert.equal(v.embargo.at(-1)!.kind, 'extension_granted')
  await assert.rejects(
    s.ch.decideExtension(s.analyst.principal, c.id, request.id, { grant: false, reason: 'again' }),
    (e) => isAppError(e, 'EW_INVALID_TRANSITION'),
  )
  s.clock.advance(10 * DAY_MS)
  v = await s.ch.markExploited(s.analyst.principal, c.id, {
    reason: 'Exploitation seen by a partner SOC',
  })
  assert.equal(v.exploited, true)
  assert.equal(v.embargoEndsAt?.toISOString(), '2026-11-19T00:00:00.000Z', '7 days from now')
  assert.equal(v.embargo.at(-1)!.reason, 'Exploitation seen by a partner SOC')
})

test('a case of an actively exploited report starts with the 7-day policy', async (t) => {
  const s = await setup(t, { kev: ['CVE-2021-44228'] })
  const id = await validated(s, { cveIds: ['CVE-2021-44228'] })
  const c = await s.ch.openCase(s.analyst.principal, { reportIds: [id] })
  assert.equal(c.exploited, true)
  const v = await s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: s.vendor.org.id })
  assert.equal(v.embargoEndsAt?.toISOString(), '2026-11-09T00:00:00.000Z')
})

test('only validated reports open or join a case', async (t) => {
  const s = await setup(t)
  const { id } = await s.ch.submitReport(s.partner.principal, reportInput())
  await assert.rejects(s.ch.openCase(s.analyst.principal, { reportIds: [id] }), (e) =>
    isAppError(e, 'EW_INVALID_TRANSITION'),
  )
  const c = await s.ch.openCase(s.analyst.principal, {
    reportIds: [await validated(s, { title: 'another' })],
  })
  const second = await validated(s, {
    title: 'Second one',
    product: { purl: 'pkg:npm/acme-forum-plugin' },
  })
  const v = await s.ch.addReportToCase(s.analyst.principal, c.id, second)
  assert.equal(v.reports.length, 2)
})

test('caseForAdvisory and allVendorsAgreeToPublish give the advisories what they need', async (t) => {
  const s = await setup(t)
  const other = await s.member('partner', ['partner_member'])
  const a = await validated(s)
  const dup = await s.ch.submitReport(other.principal, reportInput({ creditWanted: false }))
  await s.ch.transition(s.analyst.principal, dup.id, {
    to: 'duplicate',
    reason: 'same',
    duplicateOf: a,
  })
  const c = await s.ch.openCase(s.analyst.principal, { reportIds: [a], tlp: 'AMBER+STRICT' })
  const vendor2 = await s.member('vendor', ['vendor_member'])
  await s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: s.vendor.org.id })
  await s.ch.inviteVendor(s.analyst.principal, c.id, { orgId: vendor2.org.id })
  await s.ch.setVex(s.vendor.principal, c.id, {
    product: 'pkg:npm/acme-forum',
    versionRange: 'vers:npm/<2.4.1',
    status: 'fixed',
    fixedVersion: '2.4.1',
  })
  const adv = await s.ch.caseForAdvisory(c.id)
  assert.equal(adv.tlp, 'AMBER+STRICT')
  assert.deepEqual(adv.cwes, ['CWE-79'])
  assert.equal(adv.cvss31?.score, 5.4)
  assert.equal(adv.products[0]!.productKey, 'pkg:npm/acme-forum')
  assert.equal(adv.vex[0]!.fixedVersion, '2.4.1')
  assert.deepEqual(
    adv.credits.map((x) => x.name),
    [s.partner.person.name],
    'the merged reporter who asked not to be credited is not named',
  )
  assert.ok(adv.embargoEndsAt)
  assert.equal(await s.ch.allVendorsAgreeToPublish(c.id), false)
  await s.ch.agreeToPublish(s.vendor.principal, c.id)
  assert.equal(await s.ch.allVendorsAgreeToPublish(c.id), false, 'one of two vendors')
  await s.ch.agreeToPublish(vendor2.principal, c.id)
  assert.equal(await s.ch.allVendorsAgreeToPublish(c.id), true)
  assert.deepEqual(await s.ch.casesDueForDisclosure(), [])
  s.clock.advance(91 * DAY_MS)
  assert.deepEqual(await s.ch.casesDueForDisclosure(), [c.id])
})

test('attachments are stored encrypted, limited in type and size, and downloaded only by those who may', async (t) => {
  const s = await setup(t)
  const { id } = await s.ch.submitReport(s.partner.principal, reportInput())
  const secret = 'curl -d "<script>steal()</script>" https://forum.example/preview'
  const a = await s.ch.addReportAttachment(s.partner.principal, id, {
    filename: '../../etc/poc"x.sh',
    mediaType: 'text/plain',
    content: Buffer.from(secret),
  })
  assert.equal(a.filename, 'pocx.sh')
  const raw = await s.rt.db.query<{ content: unknown }>(
    'SELECT content FROM ch_attachment WHERE id = $1',
    [a.id],
  )
  assert.equal(JSON.stringify(raw.rows[0]!.content).includes('steal'), false, 'encrypted at rest')
  assert.equal(
    (await s.ch.downloadAttachment(s.partner.principal, a.id)).content.toString(),
    secret,
  )
  assert.equal(
    (await s.ch.downloadAttachment(s.analyst.principal, a.id)).content.toString(),
    secret,
  )
  await assert.rejects(s.ch.downloadAttachment(s.vendor.principal, a.id), (e) =>
    isAppError(e, 'EW_NOT_FOUND'),
  )
  await assert.rejects(s.ch.downloadAttachment(null, a.id), (e) => isAppError(e, 'EW_NOT_FOUND'))
  await assert.rejects(
    s.ch.addReportAttachment(s.partner.principal, id, {
      filename: 'x.html',
      mediaType: 'text/html',
      content: Buffer.from('<b>'),
    }),
    (e) => isAppError(e, 'EW_UNSUPPORTED_MEDIA_TYPE'),
  )
  await assert.rejects(
    s.ch.addReportAttachment(s.partner.principal, id, {
      filename: 'big.bin',
      mediaType: 'application/octet-stream',
      content: Buffer.alloc(10 * 1024 * 1024 + 1),
    }),
    (e) => isAppError(e, 'EW_PAYLOAD_TOO_LARGE'),
  )
})
