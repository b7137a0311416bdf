/**
 * Test builders for advisories: generated contents of many shapes (vendors, statuses, CVSS
 * versions, credits), and a fixture case in the shape the intake half hands over.
 */
import type { Advisory, AdvisoryCaseInput, AdvisoryContent, AdvisoryProduct } from './model.ts'

const VENDORS = [
  { vendor: 'Acme', name: 'widget-server', purl: 'pkg:npm/%40acme/widget-server' },
  { vendor: 'Globex', name: 'ledger', purl: 'pkg:pypi/ledger' },
  { vendor: 'Initech', name: 'tps-report', purl: 'pkg:maven/com.initech/tps-report' },
  { vendor: 'Hooli', name: 'nucleus', purl: 'pkg:golang/github.com/hooli/nucleus' },
  { vendor: 'Umbrella', name: 'Hive Controller', purl: null },
] as const

export const CVSS31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
export const CVSS40 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'

/** A product line; `i` picks the vendor. */
export function product(i: number, over: Partial<AdvisoryProduct> = {}): AdvisoryProduct {
  const v = VENDORS[i % VENDORS.length]!
  return {
    vendor: v.vendor,
    name: v.name,
    purl: v.purl,
    cpe: null,
    versionRange: '>=2.0.0 <2.4.1',
    status: 'fixed',
    justification: null,
    fixedVersion: '2.4.1',
    statement: null,
    ...over,
  }
}

export function content(over: Partial<AdvisoryContent> = {}): AdvisoryContent {
  return {
    title: 'Path traversal in widget-server file handler',
    summary: 'A crafted path lets a remote attacker read files outside the web root.',
    details:
      'The static file handler of widget-server joins the request path to the web root without normalising it, so `..` segments reach files outside it.',
    cwes: ['CWE-22'],
    aliases: [],
    cvss31: { vector: CVSS31, score: 9.8 },
    cvss40: null,
    products: [product(0)],
    credits: [{ name: 'A. Researcher', orgName: 'Partner Labs' }],
    references: [],
    ...over,
  }
}

/** Every shape the exports must handle; each passes every validator. */
export function generatedContents(): Array<{ name: string; content: AdvisoryContent }> {
  return [
    { name: 'one fixed product, CVSS 3.1, credit', content: content() },
    {
      name: 'several vendors and statuses, CVSS 3.1 and 4.0',
      content: content({
        cvss40: { vector: CVSS40, score: 9.3 },
        cwes: ['CWE-22', 'CWE-79'],
        products: [
          product(0),
          product(1, {
            versionRange: '<1.9.0',
            status: 'known_affected',
            fixedVersion: null,
            statement: 'Restrict access to the admin port.',
          }),
          product(2, {
            versionRange: '*',
            status: 'known_not_affected',
            justification: 'vulnerable_code_not_present',
            fixedVersion: null,
          }),
          product(3, {
            versionRange: '>=1.0.0',
            status: 'under_investigation',
            fixedVersion: null,
          }),
          product(4, { versionRange: '<=3.2', status: 'known_affected', fixedVersion: null }),
        ],
        credits: [
          { name: 'A. Researcher', orgName: 'Partner Labs' },
          { name: 'B. Finder', orgName: null },
        ],
        aliases: ['GHSA-abcd-efgh-ijkl'],
        references: [{ url: 'https://vendor.example/security/2026-01', summary: 'Vendor notice' }],
      }),
    },
    {
      name: 'CVSS 4.0 only, exact versions, no credits',
      content: content({
        cvss31: null,
        cvss40: { vector: CVSS40, score: 9.3 },
        credits: [],
        products: [
          product(1, { versionRange: '1.2.0, 1.2.1', status: 'fixed', fixedVersion: '1.2.2' }),
        ],
      }),
    },
    {
      name: 'no CVSS, not affected and under investigation only, no CWE',
      content: content({
        cvss31: null,
        cwes: [],
        products: [
          product(0, {
            versionRange: '>=1.0.0 <2.0.0',
            status: 'known_not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
            fixedVersion: null,
            statement: 'The handler is disabled in 1.x.',
          }),
          product(4, { versionRange: '*', status: 'under_investigation', fixedVersion: null }),
        ],
      }),
    },
    {
      name: 'same product in two ranges, vers input, CPE product',
      content: content({
        products: [
          product(0, { versionRange: 'vers:npm/>=1.0.0|<1.8.3', fixedVersion: '1.8.3' }),
          product(0, { versionRange: '>=2.0.0 <2.4.1', fixedVersion: '2.4.1' }),
          product(4, {
            cpe: 'cpe:2.3:a:umbrella:hive_controller:*:*:*:*:*:*:*:*',
            versionRange: '<5.0',
            fixedVersion: '5.0',
          }),
        ],
      }),
    },
  ]
}

/** An advisory around a content, in the given state; published ones have one revision. */
export function advisory(c: AdvisoryContent, over: Partial<Advisory> = {}): Advisory {
  const at = new Date('2026-12-01T12:00:00Z')
  const state = over.state ?? 'published'
  return {
    id: 'EW-2026-0001',
    source: 'case',
    caseId: 'case_0123456789abcdef',
    cveId: 'CVE-2026-50000',
    tlp: 'CLEAR',
    state,
    content: c,
    publishAt: at,
    publishedAt: state === 'draft' ? null : at,
    createdBy: null,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    updatedAt: at,
    revision: 2,
    history:
      state === 'draft'
        ? []
        : [{ number: 1, at, summary: 'Initial public release.', byPersonId: null, content: c }],
    original: null,
    ...over,
  }
}

/** A case as the intake half describes it: one partner's report, a vendor that fixed it in 2.4.1. */
export function fixtureCase(over: Partial<AdvisoryCaseInput> = {}): AdvisoryCaseInput {
  return {
    caseId: 'case_0123456789abcdef',
    title: 'Path traversal in widget-server file handler',
    tlp: 'AMBER',
    disclosureAt: new Date('2026-12-01T00:00:00Z'),
    description:
      'A crafted path lets a remote attacker read files outside the web root.\nDetails follow.',
    cwes: ['CWE-22'],
    cveIds: [],
    cvss31: { vector: CVSS31, score: 9.8 },
    cvss40: null,
    products: [
      {
        key: 'pkg:npm/%40acme/widget-server',
        purl: 'pkg:npm/%40acme/widget-server',
        vendor: 'Acme',
      },
    ],
    vex: [
      {
        vendorName: 'Acme',
        product: 'pkg:npm/%40acme/widget-server',
        versionRange: '>=2.0.0 <2.4.1',
        status: 'fixed',
        justification: null,
        fixedVersion: '2.4.1',
        statement: '',
      },
    ],
    credits: [{ name: 'A. Researcher', orgName: 'Partner Labs' }],
    participants: [],
    ...over,
  }
}
