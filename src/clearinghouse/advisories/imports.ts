/**
 * Imports: another publisher's CSAF 2.0 document or CVE JSON 5 record, validated first, then
 * read into an advisory. Pure: the service stores what these return, all or nothing.
 */
import { PackageURL } from 'packageurl-js'
import type { AppError } from '../../platform/errors.ts'
import type { Tlp } from '../tlp.ts'
import { CSAF_TLP } from './csaf.ts'
import {
  type AdvisoryContent,
  type AdvisoryProduct,
  type AdvisorySource,
  cweName,
  JUSTIFICATIONS,
  type Justification,
  type ProductStatus,
  validateContent,
} from './model.ts'
import { parseRange } from './ranges.ts'
import { type Problem, validateCsaf, validateCve } from './validate.ts'

export interface ImportProblem extends Problem {
  /** The file (or feed entry) the problem is in. */
  file: string
}

export interface ImportedAdvisory {
  id: string
  source: Extract<AdvisorySource, 'csaf' | 'cve'>
  cveId: string | null
  tlp: Tlp
  content: AdvisoryContent
  original: unknown
  revisionSummary: string
}

export type ImportResult =
  | { ok: true; advisory: ImportedAdvisory }
  | { ok: false; problems: Array<Omit<ImportProblem, 'file'>> }

// biome-ignore lint/suspicious/noExplicitAny: a validated document is read as the JSON it is
type J = any

const fail = (path: string, message: string, test = 'import'): ImportResult => ({
  ok: false,
  problems: [{ path, message, test }],
})

/** The advisory content must hold our own rules too; a failure names the document's field. */
function checked(content: AdvisoryContent, where: string): AdvisoryContent | ImportResult {
  try {
    return validateContent(content, where)
  } catch (err) {
    const e = err as AppError
    const first = e.errors?.[0]
    return fail(first?.path ?? '/', first?.message ?? e.detail ?? String(err), 'earlywatch')
  }
}

const purlBase = (purl: string): string | null => {
  try {
    const p = PackageURL.fromString(purl)
    return new PackageURL(p.type, p.namespace, p.name, undefined, undefined, undefined).toString()
  } catch {
    return null
  }
}

interface CsafProduct {
  vendor: string
  name: string
  version: string | null
  range: string | null
  purl: string | null
  cpe: string | null
}

/** product_id → what the product tree says of it (vendor, name, version, identifiers). */
function productIndex(tree: J): Map<string, CsafProduct> {
  const out = new Map<string, CsafProduct>()
  const visit = (
    b: J,
    path: { vendor?: string; name?: string; version?: string; range?: string },
  ) => {
    const here = { ...path }
    if (b.category === 'vendor') here.vendor = b.name
    if (b.category === 'product_name' || b.category === 'product_family') here.name = b.name
    if (b.category === 'product_version') here.version = b.name
    if (b.category === 'product_version_range') here.range = b.name
    if (b.product) add(b.product, here)
    for (const child of b.branches ?? []) visit(child, here)
  }
  const add = (
    fpn: J,
    path: { vendor?: string; name?: string; version?: string; range?: string },
  ) => {
    const helper = fpn.product_identification_helper ?? {}
    out.set(fpn.product_id, {
      vendor: path.vendor ?? 'unknown',
      name: path.name ?? fpn.name,
      version: path.version ?? null,
      range: path.range ?? null,
      purl: helper.purl ? purlBase(helper.purl) : null,
      cpe: helper.cpe ?? null,
    })
  }
  for (const b of tree?.branches ?? []) visit(b, {})
  for (const fpn of tree?.full_product_names ?? []) add(fpn, {})
  // A relationship names a product installed on (or part of) another: it counts as the component.
  for (const r of tree?.relationships ?? []) {
    const base = out.get(r.product_reference)
    if (base && r.full_product_name?.product_id) out.set(r.full_product_name.product_id, base)
  }
  return out
}

const STATUS_OF: Record<string, ProductStatus> = {
  known_affected: 'known_affected',
  first_affected: 'known_affected',
  last_affected: 'known_affected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  known_not_affected: 'known_not_affected',
  under_investigation: 'under_investigation',
}

const isJustification = (s: string): s is Justification =>
  (JUSTIFICATIONS as readonly string[]).includes(s)

/**
 * A CSAF 2.0 document (any profile) as an advisory: its first vulnerability's CVE, CWE and
 * CVSS 3.1 vector, every product status of every vulnerability, and its TLP.
 */
export async function csafToAdvisory(doc: unknown): Promise<ImportResult> {
  const v = await validateCsaf(doc)
  if (!v.valid) return { ok: false, problems: v.errors }
  const d = doc as J
  const vulns: J[] = d.vulnerabilities ?? []
  if (vulns.length === 0)
    return fail('/vulnerabilities', 'the document names no vulnerability to carry as an advisory')
  const index = productIndex(d.product_tree)
  const products: AdvisoryProduct[] = []
  const seen = new Set<string>()
  for (const vuln of vulns) {
    const flags = new Map<string, Justification>()
    for (const f of vuln.flags ?? [])
      for (const id of f.product_ids ?? []) if (isJustification(f.label)) flags.set(id, f.label)
    const impact = new Map<string, string>()
    for (const t of vuln.threats ?? [])
      if (t.category === 'impact') for (const id of t.product_ids ?? []) impact.set(id, t.details)
    const fixes = new Map<string, string>()
    for (const r of vuln.remediations ?? [])
      for (const id of r.product_ids ?? []) fixes.set(id, r.details)
    for (const [list, ids] of Object.entries(vuln.product_status ?? {}) as Array<
      [string, string[]]
    >) {
      const status = STATUS_OF[list]
      if (!status) continue
      for (const id of ids) {
        const p = index.get(id)
        if (!p) continue
        const ranged = p.range && parseRange(p.range).ok ? p.range : null
        const version = p.version
        const line: AdvisoryProduct = {
          vendor: p.vendor,
          name: p.name,
          purl: p.purl,
          cpe: p.cpe,
          versionRange:
            status === 'fixed'
              ? version
                ? `<${version}`
                : '*'
              : (ranged ?? (version && parseRange(version).ok ? version : '*')),
          status,
          justification: status === 'known_not_affected' ? (flags.get(id) ?? null) : null,
          fixedVersion: status === 'fixed' ? (version ?? p.name) : null,
          statement:
            (status === 'known_not_affected' ? impact.get(id) : fixes.get(id)) ??
            (status === 'known_not_affected' && !flags.get(id)
              ? 'Not affected, as the publisher states.'
              : null),
        }
        const key = JSON.stringify([line.vendor, line.name, line.versionRange, line.status])
        if (seen.has(key)) continue
        seen.add(key)
        products.push(line)
      }
    }
  }
  if (products.length === 0)
    return fail(
      '/vulnerabilities/0/product_status',
      'no product status names a product in the product tree',
    )
  const first = vulns[0]
  const notes: J[] = d.document.notes ?? []
  const vnotes: J[] = first.notes ?? []
  const details =
    vnotes.find((n) => n.category === 'description' || n.category === 'details')?.text ??
    notes.find(
      (n) => n.category === 'description' || n.category === 'details' || n.category === 'general',
    )?.text ??
    first.title ??
    d.document.title
  const v3 = (first.scores ?? []).map((s: J) => s.cvss_v3).find((s: J) => s?.version === '3.1')
  const cves = vulns.map((x) => x.cve).filter(Boolean) as string[]
  const content: AdvisoryContent = {
    title: d.document.title,
    summary: notes.find((n) => n.category === 'summary')?.text ?? d.document.title,
    details,
    cwes: vulns.map((x) => x.cwe?.id).filter((id): id is string => !!id && cweName(id) !== null),
    aliases: [
      ...cves.slice(1),
      ...vulns.flatMap((x) => (x.ids ?? []).map((i: J) => i.text)),
    ].filter((x, i, all) => all.indexOf(x) === i),
    cvss31: v3 ? { vector: v3.vectorString, score: v3.baseScore } : null,
    cvss40: null,
    products,
    credits: vulns.flatMap((x) =>
      (x.acknowledgments ?? []).flatMap((a: J) =>
        (a.names ?? [a.organization])
          .filter(Boolean)
          .map((name: string) => ({ name, orgName: a.names ? (a.organization ?? null) : null })),
      ),
    ),
    references: (d.document.references ?? [])
      .filter((r: J) => /^https?:/.test(r.url))
      .slice(0, 50)
      .map((r: J) => ({ url: r.url, summary: r.summary ?? '' })),
  }
  const ok = checked(content, '')
  if ('ok' in ok) return ok
  const label = d.document.distribution?.tlp?.label as string | undefined
  const tlp = (Object.entries(CSAF_TLP).find(([, l]) => l === label)?.[0] ?? 'CLEAR') as Tlp
  return {
    ok: true,
    advisory: {
      id: d.document.tracking.id,
      source: 'csaf',
      cveId: cves[0] ?? null,
      tlp,
      content: ok,
      original: doc,
      revisionSummary: `Imported ${d.document.publisher.name} ${d.document.tracking.id} version ${d.document.tracking.version}.`,
    },
  }
}

/** collectionURL → purl type, for the package collections CVE records commonly name. */
const COLLECTIONS: Array<[RegExp, string]> = [
  [/^https?:\/\/(www\.)?npmjs\.(com|org)/, 'npm'],
  [/^https?:\/\/pypi\.org/, 'pypi'],
  [/^https?:\/\/(pkg\.go\.dev|golang\.org\/pkg)/, 'golang'],
  [/^https?:\/\/crates\.io/, 'cargo'],
  [/^https?:\/\/rubygems\.org/, 'gem'],
  [/^https?:\/\/packagist\.org/, 'composer'],
  [/^https?:\/\/(www\.)?nuget\.org/, 'nuget'],
  [/^https?:\/\/repo(1)?\.maven/, 'maven'],
]

function purlOf(collectionURL: string | undefined, packageName: string | undefined): string | null {
  if (!collectionURL || !packageName) return null
  const type = COLLECTIONS.find(([re]) => re.test(collectionURL))?.[1]
  if (!type) return null
  try {
    if (type === 'maven' && packageName.includes(':')) {
      const [group, artifact] = packageName.split(':')
      return new PackageURL(
        type,
        group,
        artifact ?? packageName,
        undefined,
        undefined,
        undefined,
      ).toString()
    }
    const slash = packageName.lastIndexOf('/')
    return slash > 0 && type !== 'pypi'
      ? new PackageURL(
          type,
          packageName.slice(0, slash),
          packageName.slice(slash + 1),
          undefined,
          undefined,
          undefined,
        ).toString()
      : new PackageURL(type, undefined, packageName, undefined, undefined, undefined).toString()
  } catch {
    return null
  }
}

const CVE_STATUS: Record<string, ProductStatus> = {
  affected: 'known_affected',
  unaffected: 'known_not_affected',
  unknown: 'under_investigation',
}

/** A published CVE JSON 5 record as an advisory: the CNA container first, ADP metrics as fallback. */
export function cveToAdvisory(doc: unknown): ImportResult {
  const v = validateCve(doc)
  if (!v.valid) return { ok: false, problems: v.errors }
  const d = doc as J
  if (d.cveMetadata.state !== 'PUBLISHED')
    return fail(
      '/cveMetadata/state',
      `the record is ${d.cveMetadata.state}; only published records become advisories`,
    )
  const cna = d.containers.cna
  const cveId: string = d.cveMetadata.cveId
  const products: AdvisoryProduct[] = []
  cna.affected.forEach((a: J) => {
    const purl = purlOf(a.collectionURL, a.packageName)
    const vendor = a.vendor ?? (purl ? PackageURL.fromString(purl).namespace : null) ?? 'unknown'
    const name = a.product ?? a.packageName ?? 'unknown'
    const base = { vendor, name, purl, cpe: a.cpes?.[0] ?? null }
    const entries: J[] = (a.versions ?? []).filter((x: J) => x.versionType !== 'git')
    if (entries.length === 0) {
      products.push({
        ...base,
        versionRange: '*',
        status: CVE_STATUS[a.defaultStatus ?? 'unknown'] ?? 'under_investigation',
        justification: null,
        fixedVersion: null,
        statement:
          a.defaultStatus === 'unaffected' ? 'The CNA lists the product as unaffected.' : null,
      })
      return
    }
    for (const e of entries) {
      const status = CVE_STATUS[e.status] ?? 'under_investigation'
      const lower = e.version && e.version !== '0' && e.version !== '*' ? `>=${e.version} ` : ''
      const fixedAt = (e.changes ?? []).find((c: J) => c.status === 'unaffected')?.at as
        | string
        | undefined
      let range = e.lessThan
        ? e.lessThan === '*'
          ? lower.trim() || '*'
          : `${lower}<${e.lessThan}`
        : e.lessThanOrEqual
          ? e.lessThanOrEqual === '*'
            ? lower.trim() || '*'
            : `${lower}<=${e.lessThanOrEqual}`
          : e.version
      if (!parseRange(range).ok) range = '*'
      const fixed = status === 'known_affected' && fixedAt
      products.push({
        ...base,
        versionRange: fixed ? `${lower}<${fixedAt}` : range,
        status: fixed ? 'fixed' : status,
        justification: null,
        fixedVersion: fixed ? fixedAt : null,
        statement:
          status === 'known_not_affected' ? 'The CNA lists these versions as unaffected.' : null,
      })
    }
  })
  const metrics: J[] = [
    ...(cna.metrics ?? []),
    ...(d.containers.adp ?? []).flatMap((x: J) => x.metrics ?? []),
  ]
  const v31 = metrics.find((m) => m.cvssV3_1)?.cvssV3_1
  const v40 = metrics.find((m) => m.cvssV4_0)?.cvssV4_0
  const en = (cna.descriptions as J[]).find((x) => /^en/.test(x.lang)) ?? cna.descriptions[0]
  const content: AdvisoryContent = {
    title: cna.title ?? `${cveId}: ${String(en.value).slice(0, 120)}`,
    summary: cna.title ?? String(en.value).split('\n')[0]!.slice(0, 200),
    details: en.value,
    cwes: (cna.problemTypes ?? [])
      .flatMap((p: J) => p.descriptions ?? [])
      .map((x: J) => x.cweId)
      .filter((id: string | undefined): id is string => !!id && cweName(id) !== null),
    aliases: [],
    cvss31: v31 ? { vector: v31.vectorString, score: v31.baseScore } : null,
    cvss40: v40 ? { vector: v40.vectorString, score: v40.baseScore } : null,
    products,
    credits: (cna.credits ?? []).map((c: J) => ({ name: c.value, orgName: null })),
    references: (cna.references ?? [])
      .filter((r: J) => /^https?:/.test(r.url))
      .slice(0, 50)
      .map((r: J) => ({ url: r.url, summary: r.name ?? '' })),
  }
  const ok = checked(content, '')
  if ('ok' in ok) return ok
  return {
    ok: true,
    advisory: {
      id: cveId,
      source: 'cve',
      cveId,
      tlp: 'CLEAR',
      content: ok,
      original: doc,
      revisionSummary: `Imported CVE record ${cveId} (updated ${d.cveMetadata.dateUpdated ?? d.cveMetadata.datePublished ?? 'unknown'}).`,
    },
  }
}
