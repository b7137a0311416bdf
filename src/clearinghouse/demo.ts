/**
 * Clearinghouse demo data, through the real services on clocks set back in time: AI findings
 * from a demo pre-release model (SARIF with the AI-finding properties), reports in every triage
 * state, a merged duplicate, and an active disclosure case under embargo with a vendor's VEX
 * statuses and a TLP-labelled thread.
 */
import { readFileSync } from 'node:fs'
import type { Principal } from '../accounts/model.ts'
import type { Clock } from '../platform/clock.ts'
import { DAY_MS } from '../platform/clock.ts'
import type { ClearinghouseService } from './service.ts'

export interface ClearinghouseDemoPeople {
  analyst: Principal
  partner: Principal
  vendor: Principal
  /** A second reporter, whose report turns out to be a duplicate. */
  operator: Principal
}

/** The AI-produced SARIF log the demo partner uploads: written for earlywatch, see fixtures/sarif/SOURCE.md. */
const DEMO_LOG = new URL('./fixtures/sarif/ai-model-findings.sarif', import.meta.url)

/**
 * @param at builds the clearinghouse service as it was `ago` days before now, so timelines,
 *   SLAs and the embargo countdown read like weeks of real work.
 * @param submissionId the demo pre-release model the partner found its bugs with.
 */
export async function seedClearinghouseDemo(
  at: (ago: number) => Promise<ClearinghouseService>,
  people: ClearinghouseDemoPeople,
  opts: { submissionId: string | null; now: Clock },
): Promise<{ reports: number; cases: number }> {
  const { analyst, partner, vendor, operator } = people
  const model = opts.submissionId
    ? { method: 'model' as const, submissionId: opts.submissionId }
    : { method: 'tool' as const, tool: 'demo-frontier-model-agent' }
  let reports = 0

  // 1. AI findings from a pre-release model, two days ago: demonstrated, proof of concept, theoretical.
  const imported = await (await at(2)).importSarif(partner, {
    log: JSON.parse(readFileSync(DEMO_LOG, 'utf8')),
    product: { purl: 'pkg:npm/tenant-portal@3.2.0', versions: '>= 3.0.0, < 3.2.1' },
    foundWith: model,
    creditName: 'Lakeside Regional Hospital security team',
  })
  reports += imported.created
  const [xss, sqli, session] = imported.receipts.map((r) => r.id)
  // The SQL injection (demonstrated) is being triaged; the XSS stays new; the session one is out of scope.
  await (await at(1.5)).assign(analyst, sqli!, { assigneePersonId: analyst.personId })
  await (await at(1.5)).transition(analyst, sqli!, {
    to: 'triaging',
    reason: 'Demonstrated exploit against a test tenant: reproducing first.',
  })
  await (await at(1)).decideSsvc(analyst, sqli!, {
    exploitation: 'public_poc',
    automatable: 'yes',
    technicalImpact: 'total',
    missionWellbeing: 'high',
  })
  await (await at(1)).transition(analyst, session!, {
    to: 'out_of_scope',
    reason: 'The SSO module is a customer-maintained plug-in, not part of the product.',
  })
  void xss

  // 2. A manual report that could not be reproduced.
  {
    const ch = await at(12)
    const r = await ch.submitReport(operator, {
      title: 'Integer overflow in meter reading import',
      description: 'Large meter readings wrap around and are stored as negative consumption.',
      reproduction: 'Import a CSV with a reading of 4294967296.',
      product: { vendor: 'Harbor Banking Software', product: 'Utility Billing', versions: '5.1' },
      cwe: 'CWE-190',
      cvss31: 'CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:N/I:L/A:N',
      foundWith: { method: 'manual' },
    })
    await (await at(11)).transition(analyst, r.id, { to: 'triaging', reason: 'Checking on 5.1.' })
    await (await at(9)).transition(analyst, r.id, {
      to: 'not_reproducible',
      reason: 'Readings are 64-bit since 5.0; the reporter’s file was processed by a 4.x importer.',
    })
    reports++
  }

  // 3. The case: a validated path traversal in Harbor's online banking, under embargo.
  const caseId = await (async () => {
    const ch = await at(30)
    const r = await ch.submitReport(partner, {
      title: 'Path traversal in statement export lets a customer read other customers’ statements',
      description:
        'The export endpoint joins the requested file name onto the statement directory without normalising it, so ../ sequences reach other customers’ PDF statements.',
      reproduction:
        '1. Sign in as any customer.\n2. GET /statements/export?file=../../1002/2026-10.pdf\n3. The other customer’s statement downloads.',
      product: {
        purl: 'pkg:maven/com.harborbanking/online-banking@2.3.0',
        versions: '2.0.0 – 2.4.0',
      },
      cwe: 'CWE-22',
      cvss31: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N',
      cvss40: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N',
      foundWith: model,
      creditName: 'Grace Obi, Lakeside Regional Hospital',
    })
    reports++
    await (await at(29)).transition(analyst, r.id, { to: 'triaging', reason: 'Starting.' })
    await (await at(28)).decideSsvc(analyst, r.id, {
      exploitation: 'none',
      automatable: 'yes',
      technicalImpact: 'partial',
      missionWellbeing: 'high',
    })
    await (await at(27)).transition(analyst, r.id, {
      to: 'validated',
      reason: 'Reproduced on 2.3.0 in the vendor’s sandbox.',
    })
    // A second reporter found the same bug a little later: merged, both credited.
    const dup = await (await at(26)).submitReport(operator, {
      title: 'Path traversal in statement export lets a customer read other customers’ statements',
      description: 'Same endpoint; found while testing our own deployment.',
      product: { purl: 'pkg:maven/com.harborbanking/online-banking@2.2.1' },
      cwe: 'CWE-22',
      foundWith: { method: 'tool', tool: 'OWASP ZAP' },
    })
    reports++
    await (await at(25)).transition(analyst, dup.id, {
      to: 'duplicate',
      reason: 'Same endpoint and weakness as the validated report; credits merged.',
      duplicateOf: r.id,
    })
    const c = await (await at(26)).openCase(analyst, {
      reportIds: [r.id],
      title: 'Harbor Online Banking: statement export path traversal',
      tlp: 'AMBER',
    })
    await (await at(25)).inviteVendor(analyst, c.id, { orgId: vendor.orgId })
    await (await at(24)).postMessage(vendor, c.id, {
      body: 'Confirmed. A fix is in review; we expect to ship 2.4.1 within three weeks.',
      tlp: 'AMBER',
    })
    await (await at(23)).postMessage(analyst, c.id, {
      body: 'Thanks. The reporter’s proof of concept is attached to the report; please do not share beyond your security team.',
      tlp: 'AMBER+STRICT',
    })
    await (await at(20)).setVex(vendor, c.id, {
      product: 'pkg:maven/com.harborbanking/online-banking',
      versionRange: 'vers:maven/>=2.0.0|<2.4.1',
      status: 'fixed',
      fixedVersion: '2.4.1',
      statement: 'Fixed by canonicalising export paths.',
    })
    await (await at(20)).setVex(vendor, c.id, {
      product: 'pkg:maven/com.harborbanking/online-banking',
      versionRange: 'vers:maven/<2.0.0',
      status: 'known_not_affected',
      justification: 'vulnerable_code_not_present',
      statement: 'Statement export was added in 2.0.0.',
    })
    await (await at(10)).requestExtension(vendor, c.id, {
      until: new Date(opts.now.now().getTime() + 85 * DAY_MS),
      reason: 'Two community banks need a maintenance window for the upgrade.',
    })
    const ch2 = await at(9)
    const view = await ch2.getCase(analyst, c.id)
    const request = view.embargo.find((e) => e.kind === 'extension_requested')!
    await ch2.decideExtension(analyst, c.id, request.id, {
      grant: true,
      reason: 'Small operators need the time; no sign of exploitation.',
    })
    return c.id
  })()
  void caseId
  return { reports, cases: 1 }
}
