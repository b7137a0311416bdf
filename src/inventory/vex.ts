/**
 * VEX documents read into statements: CycloneDX VEX (vulnerabilities[].analysis), OpenVEX
 * (statements[]) and CSAF 2.0 VEX (product_status with flags/threats). Pure. A statement names a
 * vulnerability (advisory id or alias) and optionally a product as a purl.
 */
import { PackageURL } from 'packageurl-js'
import { invalid } from '../platform/errors.ts'
import { ecosystemForPurlType, normalisePackageName } from './version-port.ts'

export type VexStatus = 'not_affected' | 'fixed' | 'affected' | 'under_investigation'

export interface VexStatement {
  vulnerability: string
  ecosystem: string | null
  packageName: string | null
  version: string | null
  status: VexStatus
  justification: string | null
}

export interface ParsedVex {
  format: 'cyclonedx' | 'openvex' | 'csaf'
  statements: VexStatement[]
}

function product(
  purl: string | undefined | null,
): Pick<VexStatement, 'ecosystem' | 'packageName' | 'version'> {
  if (!purl?.startsWith('pkg:')) return { ecosystem: null, packageName: null, version: null }
  try {
    const p = PackageURL.fromString(purl)
    const eco = ecosystemForPurlType(p.type, p.namespace ?? undefined, { ...p.qualifiers })
    if (!eco) return { ecosystem: null, packageName: null, version: null }
    const ns = p.namespace ?? ''
    const name =
      eco === 'Maven' && ns ? `${ns}:${p.name}` : ns && eco !== 'Maven' ? `${ns}/${p.name}` : p.name
    return {
      ecosystem: eco,
      packageName: normalisePackageName(eco, name),
      version: p.version ? (eco === 'Go' ? p.version.replace(/^v(?=\d)/, '') : p.version) : null,
    }
  } catch {
    return { ecosystem: null, packageName: null, version: null }
  }
}

const CDX_STATE: Record<string, VexStatus> = {
  not_affected: 'not_affected',
  false_positive: 'not_affected',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
}

const CDX_JUSTIFICATION: Record<string, string> = {
  code_not_present: 'vulnerable_code_not_present',
  code_not_reachable: 'vulnerable_code_not_in_execute_path',
  requires_configuration: 'vulnerable_code_cannot_be_controlled_by_adversary',
  requires_dependency: 'component_not_present',
  requires_environment: 'vulnerable_code_cannot_be_controlled_by_adversary',
  protected_by_compiler: 'inline_mitigations_already_exist',
  protected_at_runtime: 'inline_mitigations_already_exist',
  protected_at_perimeter: 'inline_mitigations_already_exist',
  protected_by_mitigating_control: 'inline_mitigations_already_exist',
}

export function parseVex(doc: unknown): ParsedVex {
  if (!doc || typeof doc !== 'object') throw invalid('vex', 'must be a JSON object')
  const d = doc as Record<string, unknown>
  if (d.bomFormat === 'CycloneDX') return parseCdxVex(d)
  if (typeof d['@context'] === 'string' && d['@context'].includes('openvex')) return parseOpenVex(d)
  if ((d.document as { category?: string } | undefined)?.category === 'csaf_vex')
    return parseCsafVex(d)
  throw invalid(
    'vex',
    'is neither CycloneDX VEX, OpenVEX nor a CSAF VEX document (document.category csaf_vex)',
  )
}

function parseCdxVex(d: Record<string, unknown>): ParsedVex {
  const refs = new Map<string, string>()
  const walk = (cs: unknown) => {
    for (const c of (cs as Array<Record<string, unknown>>) ?? []) {
      if (c['bom-ref'] && c.purl) refs.set(String(c['bom-ref']), String(c.purl))
      walk(c.components)
    }
  }
  walk(d.components)
  const vulns = (d.vulnerabilities as Array<Record<string, unknown>>) ?? []
  if (!Array.isArray(vulns) || vulns.length === 0)
    throw invalid('vulnerabilities', 'a CycloneDX VEX lists at least one vulnerability')
  const out: VexStatement[] = []
  for (const [i, v] of vulns.entries()) {
    if (typeof v.id !== 'string') throw invalid(`vulnerabilities[${i}].id`, 'is required')
    const analysis = (v.analysis ?? {}) as {
      state?: string
      justification?: string
      detail?: string
    }
    const status = CDX_STATE[analysis.state ?? '']
    if (!status) continue
    const justification = analysis.justification
      ? (CDX_JUSTIFICATION[analysis.justification] ?? analysis.justification)
      : (analysis.detail ?? null)
    const affects = (v.affects as Array<{ ref?: string }>) ?? []
    const targets = affects.length
      ? affects.map((a) => refs.get(a.ref ?? '') ?? a.ref ?? null)
      : [null]
    for (const t of targets) out.push({ vulnerability: v.id, ...product(t), status, justification })
  }
  return { format: 'cyclonedx', statements: out }
}

function parseOpenVex(d: Record<string, unknown>): ParsedVex {
  const stmts = d.statements as Array<Record<string, unknown>> | undefined
  if (!Array.isArray(stmts))
    throw invalid('statements', 'an OpenVEX document has a statements array')
  const out: VexStatement[] = []
  for (const [i, s] of stmts.entries()) {
    const vuln = s.vulnerability as { name?: string; '@id'?: string } | string | undefined
    const name = typeof vuln === 'string' ? vuln : (vuln?.name ?? vuln?.['@id'])
    if (!name) throw invalid(`statements[${i}].vulnerability.name`, 'is required')
    const status = s.status as VexStatus
    if (!['not_affected', 'fixed', 'affected', 'under_investigation'].includes(status))
      throw invalid(`statements[${i}].status`, `"${String(status)}" is not an OpenVEX status`)
    const justification =
      (s.justification as string | undefined) ?? (s.impact_statement as string | undefined) ?? null
    const products =
      (s.products as Array<{ '@id'?: string; identifiers?: { purl?: string } } | string>) ?? []
    const ids = products.length
      ? products.map((p) => (typeof p === 'string' ? p : (p.identifiers?.purl ?? p['@id'] ?? null)))
      : [null]
    for (const id of ids) out.push({ vulnerability: name, ...product(id), status, justification })
  }
  return { format: 'openvex', statements: out }
}

function parseCsafVex(d: Record<string, unknown>): ParsedVex {
  const purls = new Map<string, string>()
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return
    const n = node as Record<string, unknown>
    for (const p of (n.full_product_names as Array<Record<string, unknown>>) ?? []) {
      const purl = (p.product_identification_helper as { purl?: string } | undefined)?.purl
      if (purl && typeof p.product_id === 'string') purls.set(p.product_id, purl)
    }
    const product = n.product as Record<string, unknown> | undefined
    if (
      product?.product_id &&
      (product.product_identification_helper as { purl?: string } | undefined)?.purl
    )
      purls.set(
        String(product.product_id),
        (product.product_identification_helper as { purl: string }).purl,
      )
    for (const b of (n.branches as unknown[]) ?? []) walk(b)
  }
  walk(d.product_tree)
  const out: VexStatement[] = []
  const vulns = (d.vulnerabilities as Array<Record<string, unknown>>) ?? []
  for (const v of vulns) {
    const id =
      (v.cve as string | undefined) ?? (v.ids as Array<{ text: string }> | undefined)?.[0]?.text
    if (!id) continue
    const ps = (v.product_status ?? {}) as Record<string, string[]>
    const flags = (v.flags as Array<{ label: string; product_ids?: string[] }>) ?? []
    const threats =
      (v.threats as Array<{ category: string; details: string; product_ids?: string[] }>) ?? []
    const why = (pid: string) =>
      flags.find((f) => f.product_ids?.includes(pid))?.label ??
      threats.find((t) => t.category === 'impact' && t.product_ids?.includes(pid))?.details ??
      null
    const add = (list: string[] | undefined, status: VexStatus) => {
      for (const pid of list ?? [])
        out.push({
          vulnerability: id,
          ...product(purls.get(pid)),
          status,
          justification: status === 'not_affected' ? why(pid) : null,
        })
    }
    add(ps.known_not_affected, 'not_affected')
    add(ps.fixed, 'fixed')
    add(ps.known_affected, 'affected')
    add(ps.under_investigation, 'under_investigation')
  }
  return { format: 'csaf', statements: out }
}
