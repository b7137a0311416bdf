/**
 * Advisories: types and the pure rules — what an advisory says, how one is drafted from a
 * disclosure case, when it may be published, and who may read it. No I/O, no clock.
 */
import { weaknesses } from '@secvisogram/csaf-validator-lib/cwe.js'
import { PackageURL } from 'packageurl-js'
import { hasRole, type Principal } from '../../accounts/model.ts'
import { invalid } from '../../platform/errors.ts'
import { requireCvss } from '../cvss.ts'
import { canRead, stricter, type Tlp, type TlpParticipant } from '../tlp.ts'
import { parseRange } from './ranges.ts'

export const ADVISORY_STATES = ['draft', 'published', 'withdrawn'] as const
export type AdvisoryState = (typeof ADVISORY_STATES)[number]

/** Where an advisory came from: a case, an analyst writing one, or another publisher's document. */
export const ADVISORY_SOURCES = ['case', 'analyst', 'csaf', 'cve'] as const
export type AdvisorySource = (typeof ADVISORY_SOURCES)[number]

/** The VEX statuses of CSAF 2.0 `product_status` (and OpenVEX) that a vendor states per product. */
export const PRODUCT_STATUSES = [
  'known_affected',
  'known_not_affected',
  'fixed',
  'under_investigation',
] as const
export type ProductStatus = (typeof PRODUCT_STATUSES)[number]

/** CSAF 2.0 §3.2.3.5 flag labels, shared with OpenVEX justifications. */
export const JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const
export type Justification = (typeof JUSTIFICATIONS)[number]

/** One product (and version range) and what its vendor says about it. */
export interface AdvisoryProduct {
  vendor: string
  name: string
  /** Package URL without a version, e.g. `pkg:npm/left-pad`; makes the product queryable through OSV. */
  purl: string | null
  cpe: string | null
  /** `>=2.0.0 <2.4.1`, `<=1.9`, `3.1.0`, `*` or a `vers:` URI. */
  versionRange: string
  status: ProductStatus
  justification: Justification | null
  fixedVersion: string | null
  /** The vendor's words: impact statement, workaround or remediation. */
  statement: string | null
}

export interface AdvisoryCvss {
  vector: string
  /** Always the score computed from the vector, never one given. */
  score: number
}

export interface AdvisoryCredit {
  name: string
  orgName: string | null
}

export interface AdvisoryReference {
  url: string
  summary: string
}

/** What an analyst edits; every published revision keeps a copy. */
export interface AdvisoryContent {
  title: string
  /** One line, for feeds and OSV `summary`. */
  summary: string
  /** The description, for CSAF notes, OSV `details` and the CVE description. */
  details: string
  cwes: string[]
  /** Other identifiers for the same vulnerability (GHSA-…, a vendor's id), never our own CVE. */
  aliases: string[]
  cvss31: AdvisoryCvss | null
  cvss40: AdvisoryCvss | null
  products: AdvisoryProduct[]
  credits: AdvisoryCredit[]
  references: AdvisoryReference[]
}

/** A published revision: CSAF `tracking.revision_history` entries and OSV `modified`. */
export interface AdvisoryRevision {
  number: number
  at: Date
  summary: string
  byPersonId: string | null
  content: AdvisoryContent
}

export interface Advisory {
  id: string
  source: AdvisorySource
  caseId: string | null
  cveId: string | null
  tlp: Tlp
  state: AdvisoryState
  content: AdvisoryContent
  /** The disclosure date: the publication job publishes then. Null: only by hand. */
  publishAt: Date | null
  publishedAt: Date | null
  createdBy: string | null
  createdAt: Date
  updatedAt: Date
  /** Counts every saved change (drafts too): optimistic concurrency. */
  revision: number
  /** Published revisions, oldest first; empty while a draft. */
  history: AdvisoryRevision[]
  /** For imports: the document as it arrived, kept so nothing of it is lost. */
  original: unknown | null
}

/** Who may read an advisory and its exports before (and beside) the public feeds. */
export interface AdvisoryAudience {
  participants: readonly TlpParticipant[]
  /** The case's own label, which governs the draft until publication; null without a case. */
  caseTlp: Tlp | null
}

// ---------------------------------------------------------------------------------------------
// The case side: what the intake/case half hands over (its `caseForAdvisory`), as the advisory needs it.

export interface AdvisoryCaseInput {
  caseId: string
  title: string
  tlp: Tlp
  /** The case's disclosure date (end of embargo). */
  disclosureAt: Date | null
  description: string
  cwes: string[]
  cveIds: string[]
  cvss31: AdvisoryCvss | null
  cvss40: AdvisoryCvss | null
  /** Products named in the case's reports, keyed as VEX statements name them. */
  products: Array<{
    key: string
    purl?: string | undefined
    cpe?: string | undefined
    vendor?: string | undefined
    product?: string | undefined
    versions?: string | undefined
  }>
  vex: Array<{
    vendorName: string
    product: string
    versionRange: string
    status: ProductStatus
    justification: Justification | null
    fixedVersion: string | null
    statement: string
  }>
  credits: Array<{ name: string; orgName: string }>
  participants: TlpParticipant[]
}

/** Vendor and product names from a purl: its namespace (or type) and name. */
function namesFromPurl(purl: string): { vendor: string; name: string } {
  const p = PackageURL.fromString(purl)
  return { vendor: p.namespace ?? p.type, name: p.name }
}

const withoutVersion = (purl: string): string => {
  const p = PackageURL.fromString(purl)
  return new PackageURL(p.type, p.namespace, p.name, undefined, p.qualifiers, p.subpath).toString()
}

/**
 * The first draft of a case's advisory: one product line per vendor VEX statement, and a line
 * "under investigation" for every reported product no vendor has spoken for yet.
 */
export function draftFromCase(c: AdvisoryCaseInput): AdvisoryContent {
  const products: AdvisoryProduct[] = []
  const spoken = new Set<string>()
  // A vendor names its product by the report's key, or just by its name ("acme-forum").
  const nameOf = (p: AdvisoryCaseInput['products'][number]) =>
    (p.product ?? (p.purl ? PackageURL.fromString(p.purl).name : p.key)).toLowerCase()
  const described = (named: string) =>
    c.products.find((p) => p.key === named) ??
    c.products.find((p) => nameOf(p) === named.trim().toLowerCase())
  for (const v of c.vex) {
    const p = described(v.product)
    spoken.add(p?.key ?? v.product)
    const purl = p?.purl ? withoutVersion(p.purl) : v.product.startsWith('pkg:') ? v.product : null
    const names = purl ? namesFromPurl(purl) : null
    products.push({
      vendor: p?.vendor ?? v.vendorName ?? names?.vendor,
      name: p?.product ?? names?.name ?? v.product,
      purl,
      cpe: p?.cpe ?? null,
      versionRange: v.versionRange,
      status: v.status,
      justification: v.justification,
      fixedVersion: v.fixedVersion,
      statement: v.statement.trim() || null,
    })
  }
  for (const p of c.products) {
    if (spoken.has(p.key)) continue
    const purl = p.purl ? withoutVersion(p.purl) : null
    const names = purl ? namesFromPurl(purl) : null
    products.push({
      vendor: p.vendor ?? names?.vendor ?? 'unknown',
      name: p.product ?? names?.name ?? p.key,
      purl,
      cpe: p.cpe ?? null,
      versionRange: p.versions ?? '*',
      status: 'under_investigation',
      justification: null,
      fixedVersion: null,
      statement: null,
    })
  }
  const firstLine = c.description.split(/\n/)[0]?.trim() ?? ''
  return {
    title: c.title,
    summary: firstLine.length > 0 && firstLine.length <= 200 ? firstLine : c.title,
    details: c.description || c.title,
    cwes: c.cwes,
    aliases: [],
    cvss31: c.cvss31,
    cvss40: c.cvss40,
    products,
    credits: c.credits.map((x) => ({ name: x.name, orgName: x.orgName })),
    references: [],
  }
}

const CWE_ID = /^CWE-\d+$/

/** The name of a CWE in the catalogue CSAF validators check against, or null when unknown. */
export function cweName(id: string): string | null {
  return weaknesses.find((w) => w.id === id)?.name ?? null
}

/**
 * Checks what an analyst (or a draft) says and returns it with the CVSS scores recomputed
 * from their vectors. Throws a 400 naming the first bad field.
 */
export function validateContent(c: AdvisoryContent, field = 'body'): AdvisoryContent {
  if (!c.title.trim()) throw invalid(`${field}.title`, 'an advisory needs a title')
  if (!c.details.trim()) throw invalid(`${field}.details`, 'an advisory needs a description')
  if (c.products.length === 0)
    throw invalid(`${field}.products`, 'an advisory names at least one product')
  c.cwes.forEach((id, i) => {
    if (!CWE_ID.test(id))
      throw invalid(`${field}.cwes.${i}`, `"${id}" is not a CWE id such as CWE-79`)
    if (!cweName(id))
      throw invalid(
        `${field}.cwes.${i}`,
        `${id} is not in the CWE catalogue (CWE 4.x) the CSAF validators use`,
      )
  })
  c.products.forEach((p, i) => {
    const at = `${field}.products.${i}`
    if (!p.vendor.trim()) throw invalid(`${at}.vendor`, 'name the vendor')
    if (!p.name.trim()) throw invalid(`${at}.name`, 'name the product')
    const r = parseRange(p.versionRange)
    if (!r.ok) throw invalid(`${at}.versionRange`, r.message)
    if (p.purl) {
      try {
        const purl = PackageURL.fromString(p.purl)
        if (purl.version)
          throw invalid(
            `${at}.purl`,
            'give the package without a version; versions go in versionRange',
          )
      } catch (err) {
        if ((err as { code?: string }).code) throw err
        throw invalid(`${at}.purl`, `not a package URL: ${(err as Error).message}`)
      }
    }
    if (p.status === 'known_not_affected' && !p.justification && !p.statement?.trim())
      throw invalid(
        `${at}.justification`,
        `not affected needs a justification (one of ${JUSTIFICATIONS.join(', ')}) or an impact statement`,
      )
    if (p.status !== 'known_not_affected' && p.justification)
      throw invalid(
        `${at}.justification`,
        'only a known_not_affected product takes a justification',
      )
    if (p.status === 'fixed' && !p.fixedVersion?.trim())
      throw invalid(`${at}.fixedVersion`, 'a fixed product needs the version that fixes it')
    if (p.status !== 'fixed' && p.fixedVersion)
      throw invalid(`${at}.fixedVersion`, 'only a fixed product takes a fixed version')
  })
  c.references.forEach((r, i) => {
    if (!URL.canParse(r.url) || !/^https?:/.test(r.url))
      throw invalid(`${field}.references.${i}.url`, `"${r.url}" is not an http(s) URL`)
  })
  return {
    ...c,
    cvss31: c.cvss31 ? requireCvss(`${field}.cvss31.vector`, '3.1', c.cvss31.vector) : null,
    cvss40: c.cvss40 ? requireCvss(`${field}.cvss40.vector`, '4.0', c.cvss40.vector) : null,
  }
}

// ---------------------------------------------------------------------------------------------
// Publication and reading

/** Staff who draft, edit and publish advisories. */
export const isStaff = (p: Principal | null): boolean => !!p && hasRole(p, 'analyst', 'admin')

/**
 * Is a draft due? At the disclosure date, or earlier when every vendor agreed.
 * @example isDue({ state: 'draft', publishAt: new Date('2026-12-01') }, false, new Date('2026-12-02')) // true
 */
export function isDue(
  a: Pick<Advisory, 'state' | 'publishAt'>,
  allVendorsAgree: boolean,
  now: Date,
): boolean {
  if (a.state !== 'draft') return false
  if (allVendorsAgree) return true
  return a.publishAt !== null && a.publishAt.getTime() <= now.getTime()
}

/** Public feeds and APIs carry only what anyone may read: published, TLP:CLEAR. */
export const isPublic = (a: Pick<Advisory, 'state' | 'tlp'>): boolean =>
  a.state === 'published' && a.tlp === 'CLEAR'

/**
 * May `viewer` read this advisory? Staff always. Before publication only the case's
 * participants (as its TLP allows); once published, whoever its TLP reaches.
 */
export function canReadAdvisory(
  a: Pick<Advisory, 'state' | 'tlp'>,
  viewer: Principal | null,
  audience: AdvisoryAudience,
): boolean {
  if (isStaff(viewer)) return true
  const who = viewer ? { personId: viewer.personId, orgId: viewer.orgId } : null
  if (a.state === 'published') return canRead(a.tlp, who, audience.participants)
  // Before publication the advisory is embargoed case material: participants only, as the
  // case's label (never wider than AMBER) and the advisory's own allow.
  if (!viewer || !audience.participants.some((p) => p.orgId === viewer.orgId)) return false
  const label = stricter(stricter(audience.caseTlp ?? 'AMBER', 'AMBER'), a.tlp)
  return canRead(label, who, audience.participants)
}

/** Our advisory ids: `EW-2026-0001`, valid as an OSV id (`<prefix>-<id>`) and a CSAF tracking id. */
export const advisoryId = (year: number, seq: number): string =>
  `EW-${year}-${String(seq).padStart(4, '0')}`

/** A configured CVE block such as `CVE-2026-50000..CVE-2026-50999`. */
export interface CveBlock {
  year: number
  first: number
  last: number
}

export function parseCveBlock(text: string): CveBlock | null {
  const m = /^CVE-(\d{4})-(\d{4,})\.\.CVE-(\d{4})-(\d{4,})$/.exec(text.trim())
  if (!m) return null
  const [, y1, a, y2, b] = m
  if (y1 !== y2 || Number(a) > Number(b)) return null
  return { year: Number(y1), first: Number(a), last: Number(b) }
}

export const cveIdOf = (block: CveBlock, n: number): string =>
  `CVE-${block.year}-${String(n).padStart(4, '0')}`
