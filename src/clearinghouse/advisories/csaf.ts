/**
 * CSAF 2.0 export: an advisory as a `csaf_security_advisory` or a `csaf_vex` document, built so
 * that it passes the schema, mandatory (§6.1) and optional/recommended (§6.2) tests.
 */
import { PackageURL } from 'packageurl-js'
import { severityOf } from '../cvss.ts'
import type { Tlp } from '../tlp.ts'
import { type Advisory, type AdvisoryProduct, cweName } from './model.ts'
import { type Constraint, isSingleVersion, parseRange, toVers } from './ranges.ts'

export const CSAF_PROFILES = ['csaf_security_advisory', 'csaf_vex'] as const
export type CsafProfile = (typeof CSAF_PROFILES)[number]

export interface ExportContext {
  /** https://… where earlywatch is served; CSAF canonical URLs hang off it. */
  publicUrl: string
  publisherName: string
  /** Export time, used only for drafts (a published document is dated by its revisions). */
  now: Date
  generatorVersion: string
}

/**
 * CSAF 2.0 predates TLP 2.0: its label list is TLP 1.0's. CLEAR is WHITE; AMBER+STRICT has no
 * 1.0 label, so it is marked AMBER and the exact TLP 2.0 label goes in `distribution.text`.
 */
export const CSAF_TLP: Record<Tlp, 'WHITE' | 'GREEN' | 'AMBER' | 'RED'> = {
  CLEAR: 'WHITE',
  GREEN: 'GREEN',
  AMBER: 'AMBER',
  'AMBER+STRICT': 'AMBER',
  RED: 'RED',
}

/** The CSAF file name of a tracking id (CSAF 2.0 §5.1). */
export const csafFilename = (trackingId: string): string =>
  `${trackingId.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`

/** Where a published document lives in the provider's directory (§7.1.11): `<tlp>/<year>/<file>`. */
export function csafPath(a: Pick<Advisory, 'id' | 'tlp' | 'publishedAt'>, now: Date): string {
  const year = (a.publishedAt ?? now).getUTCFullYear()
  return `${CSAF_TLP[a.tlp].toLowerCase()}/${year}/${csafFilename(a.id)}`
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json }

/** CSAF §6.2.13 recommends every object's keys in alphabetical order. */
function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const out: { [k: string]: Json } = {}
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k] as Json)
    return out
  }
  return v
}

/** A CPE 2.3 name for a product without one: CSAF §6.2.16 wants every product identifiable. */
function cpeFor(p: AdvisoryProduct, version: string): string {
  const part = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '_') || '_'
  return `cpe:2.3:a:${part(p.vendor)}:${part(p.name)}:${version === '*' ? '*' : part(version)}:*:*:*:*:*:*:*`
}

function helper(p: AdvisoryProduct, version: string | null): { [k: string]: Json } {
  if (p.purl) {
    const base = PackageURL.fromString(p.purl)
    const purl = version
      ? new PackageURL(base.type, base.namespace, base.name, version, base.qualifiers, base.subpath)
      : base
    return { purl: purl.toString() }
  }
  if (p.cpe) return { cpe: p.cpe }
  return { cpe: cpeFor(p, version ?? '*') }
}

interface TreeProduct {
  id: string
  vendor: string
  name: string
  /** A vers range, or a single version. */
  branchCategory: 'product_version' | 'product_version_range'
  branchName: string
  helper: { [k: string]: Json }
}

function versScheme(p: AdvisoryProduct): string {
  return p.purl ? PackageURL.fromString(p.purl).type : 'generic'
}

/**
 * Lays the products out: one product per stated range, and for a fixed range a second one for
 * the fixed version, so the document can say "affected up to here, fixed there".
 */
function layout(products: AdvisoryProduct[]) {
  const tree: TreeProduct[] = []
  const byKey = new Map<string, string>()
  const add = (p: AdvisoryProduct, constraints: Constraint[] | null, version: string | null) => {
    const single =
      version ?? (constraints && isSingleVersion(constraints) ? constraints[0]!.version : null)
    const branchName = single ?? toVers(constraints ?? [], versScheme(p))
    const key = `${p.vendor}\u0000${p.name}\u0000${branchName}`
    const existing = byKey.get(key)
    if (existing) return existing
    const id = `CSAFPID-${String(tree.length + 1).padStart(4, '0')}`
    byKey.set(key, id)
    tree.push({
      id,
      vendor: p.vendor,
      name: p.name,
      branchCategory: single ? 'product_version' : 'product_version_range',
      branchName,
      helper: helper(p, single),
    })
    return id
  }
  const lines = products.map((p) => {
    const r = parseRange(p.versionRange)
    // validateContent refused unparseable ranges before anything is stored.
    const constraints = r.ok ? r.constraints : []
    const rangeId = add(p, constraints, null)
    const fixedId = p.status === 'fixed' && p.fixedVersion ? add(p, null, p.fixedVersion) : null
    return { p, rangeId, fixedId }
  })
  return { tree, lines }
}

function branches(tree: TreeProduct[]): Json[] {
  const vendors = new Map<string, Map<string, TreeProduct[]>>()
  for (const t of tree) {
    const names = vendors.get(t.vendor) ?? new Map<string, TreeProduct[]>()
    vendors.set(t.vendor, names)
    names.set(t.name, [...(names.get(t.name) ?? []), t])
  }
  return [...vendors].map(([vendor, names]) => ({
    category: 'vendor',
    name: vendor,
    branches: [...names].map(([name, items]) => ({
      category: 'product_name',
      name,
      branches: items.map((t) => ({
        category: t.branchCategory,
        name: t.branchName,
        product: {
          name: `${t.vendor} ${t.name} ${t.branchName}`,
          product_id: t.id,
          product_identification_helper: t.helper,
        },
      })),
    })),
  }))
}

const iso = (d: Date) => d.toISOString()

/**
 * The advisory as a CSAF 2.0 document of the given profile.
 *
 * @example
 * const doc = toCsaf(advisory, 'csaf_security_advisory', { publicUrl: 'https://ew.example', publisherName: 'earlywatch', now, generatorVersion: '0.1.0' })
 */
export function toCsaf(a: Advisory, profile: CsafProfile, ctx: ExportContext): Json {
  const c = a.content
  const { tree, lines } = layout(c.products)
  const status = {
    known_affected: [] as string[],
    fixed: [] as string[],
    known_not_affected: [] as string[],
    under_investigation: [] as string[],
  }
  const flags = new Map<string, string[]>()
  const threats: Json[] = []
  const remediations: Json[] = []
  for (const { p, rangeId, fixedId } of lines) {
    if (p.status === 'fixed' && fixedId) {
      status.known_affected.push(rangeId)
      status.fixed.push(fixedId)
      remediations.push({
        category: 'vendor_fix',
        details:
          p.statement ?? `Update ${p.vendor} ${p.name} to version ${p.fixedVersion} or later.`,
        product_ids: [rangeId],
      })
    } else if (p.status === 'known_affected') {
      status.known_affected.push(rangeId)
      remediations.push({
        category: 'none_available',
        details: p.statement ?? 'No fix is available yet.',
        product_ids: [rangeId],
      })
    } else if (p.status === 'known_not_affected') {
      status.known_not_affected.push(rangeId)
      if (p.justification)
        flags.set(p.justification, [...(flags.get(p.justification) ?? []), rangeId])
      threats.push({
        category: 'impact',
        details: p.statement ?? `Not affected: ${p.justification?.replaceAll('_', ' ')}.`,
        product_ids: [rangeId],
      })
    } else {
      status.under_investigation.push(rangeId)
      // §6.2.2 wants an action for every product that may be affected, this one included.
      remediations.push({
        category: 'none_available',
        details: p.statement ?? 'The vendor is investigating; no fix is available yet.',
        product_ids: [rangeId],
      })
    }
  }
  const productStatus: { [k: string]: Json } = {}
  for (const [k, v] of Object.entries(status)) {
    const unique = [...new Set(v)]
    if (unique.length > 0) productStatus[k] = unique
  }
  const affected = [...new Set(status.known_affected)]
  const scores: Json[] =
    c.cvss31 && affected.length > 0
      ? [
          {
            cvss_v3: {
              version: '3.1',
              vectorString: c.cvss31.vector,
              baseScore: c.cvss31.score,
              baseSeverity: severityOf(c.cvss31.score).toUpperCase(),
            },
            products: affected,
          },
        ]
      : []

  const published = a.state !== 'draft' && a.history.length > 0
  const history = published
    ? a.history.map((r) => ({ date: iso(r.at), number: String(r.number), summary: r.summary }))
    : [{ date: iso(ctx.now), number: '0', summary: 'Draft, not yet published.' }]
  const initial = history[0]!.date
  const current = history[history.length - 1]!.date
  const base = ctx.publicUrl.replace(/\/$/, '')
  const canonical = `${base}/.well-known/csaf/${csafPath(a, ctx.now)}`

  const vulnNotes: Json[] = [
    { category: 'description', text: c.details, title: 'Vulnerability description' },
  ]
  if (c.cvss40)
    vulnNotes.push({
      category: 'other',
      text: `CVSS v4.0 base score ${c.cvss40.score} (${severityOf(c.cvss40.score)}): ${c.cvss40.vector}. CSAF 2.0 has no CVSS 4.0 score object; the OSV and CVE exports carry it as a score.`,
      title: 'CVSS v4.0',
    })
  const [firstCwe, ...moreCwes] = c.cwes
  if (moreCwes.length > 0)
    vulnNotes.push({
      category: 'other',
      text: `Further weaknesses: ${moreCwes.map((id) => `${id} ${cweName(id) ?? ''}`.trim()).join('; ')}.`,
      title: 'Further CWEs',
    })

  const vulnerability: { [k: string]: Json } = {
    title: c.title,
    notes: vulnNotes,
    product_status: productStatus,
    ids: [
      { system_name: ctx.publisherName, text: a.id },
      ...c.aliases
        .filter((x) => !/^CVE-/.test(x))
        .map((x) => ({ system_name: aliasSystem(x), text: x })),
    ],
  }
  if (a.cveId) vulnerability.cve = a.cveId
  if (firstCwe) vulnerability.cwe = { id: firstCwe, name: cweName(firstCwe) ?? firstCwe }
  if (scores.length > 0) vulnerability.scores = scores
  if (remediations.length > 0) vulnerability.remediations = remediations
  if (threats.length > 0) vulnerability.threats = threats
  if (flags.size > 0)
    vulnerability.flags = [...flags].map(([label, ids]) => ({ label, product_ids: ids }))
  if (c.credits.length > 0)
    vulnerability.acknowledgments = c.credits.map((x) => ({
      names: [x.name],
      ...(x.orgName ? { organization: x.orgName } : {}),
    }))

  const doc: Json = {
    document: {
      category: profile,
      csaf_version: '2.0',
      distribution: {
        text: `TLP:${a.tlp}`,
        tlp: { label: CSAF_TLP[a.tlp], url: 'https://www.first.org/tlp/' },
      },
      lang: 'en',
      notes: [
        { category: 'summary', text: c.summary || c.title, title: 'Summary' },
        {
          category: 'legal_disclaimer',
          text: `Distributed as TLP:${a.tlp} (FIRST TLP 2.0).`,
          title: 'Distribution',
        },
      ],
      publisher: { category: 'coordinator', name: ctx.publisherName, namespace: base },
      references: [
        { category: 'self', summary: 'Canonical URL', url: canonical },
        {
          category: 'external',
          summary: 'Advisory page',
          url: `${base}/advisories/${encodeURIComponent(a.id)}`,
        },
        ...c.references.map((r) => ({
          category: 'external',
          summary: r.summary || r.url,
          url: r.url,
        })),
      ],
      title: c.title,
      tracking: {
        current_release_date: current,
        // A published document's bytes never change between fetches: its hashes and signature hold.
        generator: {
          date: published ? current : iso(ctx.now),
          engine: { name: 'earlywatch', version: ctx.generatorVersion },
        },
        id: a.id,
        initial_release_date: initial,
        revision_history: history,
        status: published ? 'final' : 'draft',
        version: published ? String(a.history[a.history.length - 1]!.number) : '0',
      },
    },
    product_tree: { branches: branches(tree) },
    vulnerabilities: [vulnerability],
  }
  return sortKeys(doc)
}

function aliasSystem(id: string): string {
  const prefix = /^([A-Z]+)-/.exec(id)?.[1]
  return prefix ?? 'other'
}
