/**
 * Demo advisories, made through the real services: two published TLP:CLEAR advisories of the
 * clearinghouse (one revised since), a draft waiting for the demo case's disclosure date, and
 * two advisories imported from other publishers (a CSAF document and a CVE record), so the CSAF
 * feed, the OSV API and the public pages have something to show.
 */
import { readFileSync } from 'node:fs'
import type { Principal } from '../../accounts/model.ts'
import type { AdvisoryContent } from './model.ts'
import type { AdvisoryService } from './service.ts'

const fixture = (p: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${p}`, import.meta.url), 'utf8'))

const TENANT_PORTAL: AdvisoryContent = {
  title: 'SQL injection in tenant-portal report search',
  summary:
    'An authenticated tenant can read other tenants’ records through the report search filter.',
  details:
    'The report search of tenant-portal builds its SQL filter by string concatenation. A signed-in tenant can inject SQL through the `sort` parameter and read other tenants’ records. Found with a pre-release model during the early-access program and reproduced by the clearinghouse.',
  cwes: ['CWE-89'],
  aliases: [],
  cvss31: { vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N', score: 0 },
  cvss40: { vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N', score: 0 },
  products: [
    {
      vendor: 'Tenant Portal Project',
      name: 'tenant-portal',
      purl: 'pkg:npm/tenant-portal',
      cpe: null,
      versionRange: '>=3.0.0 <3.2.1',
      status: 'fixed',
      justification: null,
      fixedVersion: '3.2.1',
      statement: 'Upgrade to 3.2.1, which binds the sort column from an allow-list.',
    },
    {
      vendor: 'Tenant Portal Project',
      name: 'tenant-portal',
      purl: 'pkg:npm/tenant-portal',
      cpe: null,
      versionRange: '<3.0.0',
      status: 'known_not_affected',
      justification: 'vulnerable_code_not_present',
      fixedVersion: null,
      statement: null,
    },
  ],
  credits: [
    { name: 'Lakeside Regional Hospital security team', orgName: 'Lakeside Regional Hospital' },
  ],
  references: [],
}

const SCADA_GATEWAY: AdvisoryContent = {
  title: 'Authentication bypass in the Prairie SCADA gateway web console',
  summary: 'A crafted session cookie lets an unauthenticated user reach the gateway’s web console.',
  details:
    'The web console of the Prairie SCADA gateway accepts a session cookie whose signature field is empty. An attacker on the plant network can reach the console without credentials. No fix is available yet; restrict the console to the engineering VLAN.',
  cwes: ['CWE-287'],
  aliases: [],
  cvss31: { vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 0 },
  cvss40: null,
  products: [
    {
      vendor: 'Prairie Controls',
      name: 'SCADA Gateway',
      purl: null,
      cpe: null,
      versionRange: '<=4.2',
      status: 'known_affected',
      justification: null,
      fixedVersion: null,
      statement: 'Restrict the web console to the engineering VLAN until a fix ships.',
    },
  ],
  credits: [],
  references: [],
}

/**
 * @param at the advisory service as it was `ago` days before now, so publication dates and
 *   revisions read like past weeks.
 */
export async function seedAdvisoriesDemo(
  at: (ago: number) => Promise<AdvisoryService>,
  people: { analyst: Principal },
  opts: { caseIds: string[] },
): Promise<{ published: number; drafts: number; imported: number }> {
  const { analyst } = people
  // 1. The clearinghouse's own advisories, published 12 and 5 days ago; the first revised since.
  const portal = await (await at(14)).create(analyst, { content: TENANT_PORTAL, tlp: 'CLEAR' })
  await (await at(12)).publish(analyst, portal.id)
  await (await at(3)).update(analyst, portal.id, {
    content: {
      ...portal.content,
      references: [
        { url: 'https://tenant-portal.example/security/2026-04', summary: 'Project notice' },
      ],
    },
    summary: 'Added the project’s own notice.',
  })
  const scada = await (await at(6)).create(analyst, { content: SCADA_GATEWAY, tlp: 'CLEAR' })
  await (await at(5)).publish(analyst, scada.id)
  // 2. The embargoed demo case's advisory: drafted, waiting for the disclosure date.
  let drafts = 0
  for (const caseId of opts.caseIds) {
    await (await at(1)).draftFromCase(analyst, caseId)
    drafts++
  }
  // 3. What others publish, carried too.
  const now = await at(0)
  const csaf = await now.importDocuments(analyst, 'csaf', [
    { path: 'bsi-2022-0001.json', document: fixture('csaf/bsi-2022-0001.json') },
  ])
  const cve = await now.importDocuments(analyst, 'cve', [
    { path: 'CVE-2021-44228.json', document: fixture('cve5/CVE-2021-44228.json') },
  ])
  return { published: 2, drafts, imported: csaf.created.length + cve.created.length }
}
