/**
 * SBOM ingest: CycloneDX 1.4–1.7 (JSON, XML), SPDX 2.2/2.3 JSON and plain purl lists, read into
 * one list of components normalised to Package URLs. Pure: bytes in, components out. A document
 * that is not well formed is rejected whole, naming where; a component that cannot be matched
 * (no purl, odd characters, unknown ecosystem, unparsable version) is kept and marked, so nothing
 * is silently dropped.
 */
import { createHash } from 'node:crypto'
import { Validation } from '@cyclonedx/cyclonedx-library'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { PackageURL } from 'packageurl-js'
import { z } from 'zod'
import { AppError, ErrorCodes, invalid } from '../platform/errors.ts'
import { ecosystemForPurlType, isValidVersion, normalisePackageName } from './version-port.ts'

export const SBOM_FORMATS = ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json', 'purl-list'] as const
export type SbomFormat = (typeof SBOM_FORMATS)[number]

/** 1.4–1.7 as the issue asks, and 1.2–1.3 too: real generators still write them, and the library validates them. */
export const CYCLONEDX_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'] as const

export interface SbomLimits {
  maxBytes: number
  maxComponents: number
}

export const DEFAULT_SBOM_LIMITS: SbomLimits = { maxBytes: 20 * 1024 * 1024, maxComponents: 50_000 }

/**
 * `matchable`: ecosystem, name and version known. `no_version`: ecosystem and name known, no
 * version, so every advisory for the package applies ("possibly affected"). `unmatched`: cannot
 * be matched at all; `reason` says why.
 */
export type MatchStatus = 'matchable' | 'no_version' | 'unmatched'

export interface SbomComponent {
  /** The component's reference in the document (bom-ref, SPDXID, or its position). */
  ref: string
  parentRef: string | null
  name: string
  version: string | null
  /** The purl as the document gave it, canonicalised when it parses. */
  purl: string | null
  /** OSV ecosystem name, e.g. `npm`, `PyPI`, `Maven`, `Go`. */
  ecosystem: string | null
  /** The name as OSV records name the package (`group:artifact` for Maven, PEP 503 for PyPI). */
  packageName: string | null
  status: MatchStatus
  reason: string | null
}

export interface ParsedSbom {
  format: SbomFormat
  specVersion: string | null
  sha256: string
  components: SbomComponent[]
  dependencies: Array<{ ref: string; dependsOn: string[] }>
}

const tooLarge = (detail: string) => new AppError(ErrorCodes.EW_PAYLOAD_TOO_LARGE, { detail })

/** Reads any supported SBOM; `format` overrides detection. */
export async function parseSbom(
  input: string | Buffer,
  opts: { format?: SbomFormat; limits?: SbomLimits } = {},
): Promise<ParsedSbom> {
  const limits = opts.limits ?? DEFAULT_SBOM_LIMITS
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  if (bytes.length > limits.maxBytes)
    throw tooLarge(
      `The SBOM is ${bytes.length} bytes; the limit is ${limits.maxBytes} (EARLYWATCH_SBOM_MAX_BYTES). Split it by system.`,
    )
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const format = opts.format ?? detectFormat(text)
  let parsed: Omit<ParsedSbom, 'sha256'>
  switch (format) {
    case 'cyclonedx-json':
      parsed = await parseCycloneDxJson(parseJson(text))
      break
    case 'cyclonedx-xml':
      parsed = parseCycloneDxXml(text)
      break
    case 'spdx-json':
      parsed = parseSpdxJson(parseJson(text))
      break
    case 'purl-list':
      parsed = parsePurlList(text)
      break
  }
  if (parsed.components.length > limits.maxComponents)
    throw tooLarge(
      `The SBOM lists ${parsed.components.length} components; the limit is ${limits.maxComponents} (EARLYWATCH_SBOM_MAX_COMPONENTS).`,
    )
  const refs = new Set<string>()
  for (const [i, c] of parsed.components.entries()) {
    if (refs.has(c.ref)) throw invalid(`components[${i}].ref`, `reference ${c.ref} is used twice`)
    refs.add(c.ref)
  }
  return { ...parsed, sha256 }
}

export function detectFormat(text: string): SbomFormat {
  const head = text.trimStart()
  if (head.startsWith('<')) return 'cyclonedx-xml'
  if (head.startsWith('{')) {
    const doc = parseJson(text)
    if (doc && typeof doc === 'object' && 'bomFormat' in doc) return 'cyclonedx-json'
    if (doc && typeof doc === 'object' && 'spdxVersion' in doc) return 'spdx-json'
    throw invalid(
      'sbom',
      'a JSON document that is neither CycloneDX (no "bomFormat") nor SPDX (no "spdxVersion")',
    )
  }
  if (head.startsWith('pkg:') || head.startsWith('#') || head === '') return 'purl-list'
  throw invalid(
    'sbom',
    'not a CycloneDX (JSON or XML), SPDX 2.3 JSON or purl-list document; a purl list has one pkg:… per line',
  )
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw invalid('sbom', `is not valid JSON: ${(err as Error).message}`)
  }
}

/**
 * Classifies one component for matching. Never throws: a problem becomes `unmatched` with the
 * reason, so one odd entry does not stop the rest of the SBOM.
 */
export function classifyComponent(c: {
  ref: string
  parentRef: string | null
  name: string
  version: string | null
  purl: string | null
}): SbomComponent {
  const base = { ...c, ecosystem: null, packageName: null }
  const unmatched = (reason: string): SbomComponent => ({ ...base, status: 'unmatched', reason })
  if (!c.purl) return unmatched('no purl, so no ecosystem to match against')
  let p: PackageURL
  try {
    p = PackageURL.fromString(c.purl)
  } catch (err) {
    return unmatched(`purl does not parse: ${(err as Error).message}`)
  }
  // Older syft writes pkg:alpine/…; the purl spec's type for Alpine packages is apk.
  const type = p.type === 'alpine' ? 'apk' : p.type
  const ecosystem = ecosystemForPurlType(type, p.namespace ?? undefined, { ...p.qualifiers })
  const purl = p.toString()
  if (!ecosystem)
    return {
      ...unmatched(`purl type "${p.type}" is not an ecosystem advisories cover`),
      purl,
    }
  const rawName = purlPackageName(ecosystem, p)
  if (/[\s\p{Cc}]/u.test(rawName) || rawName.includes('..') || rawName.startsWith('.'))
    return {
      ...unmatched(
        `package name ${JSON.stringify(rawName)} has characters no ${ecosystem} package name has`,
      ),
      purl,
    }
  const packageName = normalisePackageName(ecosystem, rawName)
  let version = p.version ?? c.version
  if (version === null || version === '')
    return {
      ...base,
      purl,
      ecosystem,
      packageName,
      version: null,
      status: 'no_version',
      reason: null,
    }
  // Go module versions are written v1.2.3; OSV's Go records write 1.2.3.
  if (ecosystem === 'Go') version = version.replace(/^v(?=\d)/, '')
  if (!isValidVersion(ecosystem, version))
    return {
      ...base,
      purl,
      ecosystem,
      packageName,
      version,
      status: 'unmatched',
      reason: `version ${JSON.stringify(version)} is not a valid ${ecosystem} version`,
    }
  return { ...base, purl, ecosystem, packageName, version, status: 'matchable', reason: null }
}

/** The package name as OSV writes it for the ecosystem. */
function purlPackageName(ecosystem: string, p: PackageURL): string {
  const ns = p.namespace ?? ''
  switch (ecosystem) {
    case 'Maven':
      return ns ? `${ns}:${p.name}` : p.name
    case 'npm':
    case 'Go':
    case 'Packagist':
      return ns ? `${ns}/${p.name}` : p.name
    default:
      return p.name
  }
}

// --- CycloneDX -------------------------------------------------------------------------------

interface CdxComponent {
  'bom-ref'?: string
  name?: string
  version?: string
  purl?: string
  components?: CdxComponent[]
}

const validators = new Map<string, Validation.JsonValidator>()

async function parseCycloneDxJson(doc: unknown): Promise<Omit<ParsedSbom, 'sha256'>> {
  const d = doc as { bomFormat?: unknown; specVersion?: unknown }
  if (d.bomFormat !== 'CycloneDX') throw invalid('bomFormat', 'must be "CycloneDX"')
  const specVersion = String(d.specVersion ?? '')
  assertCdxVersion(specVersion, 'specVersion')
  let validator = validators.get(specVersion)
  if (!validator) {
    // The non-strict validator: real generators add properties the strict schema forbids.
    validator = new Validation.JsonValidator(specVersion as Validation.JsonValidator['version'])
    validators.set(specVersion, validator)
  }
  const errors = (await validator.validate(JSON.stringify(doc))) as Array<{
    instancePath: string
    message?: string
  }> | null
  if (errors && errors.length > 0) {
    const first = errors[0]!
    throw new AppError(ErrorCodes.EW_VALIDATION, {
      detail: `The CycloneDX ${specVersion} document does not follow its schema at ${first.instancePath || '/'}: ${first.message ?? 'invalid'}`,
      errors: errors.slice(0, 20).map((e) => ({
        path: e.instancePath || '/',
        message: e.message ?? 'invalid',
      })),
    })
  }
  const bom = doc as {
    metadata?: { component?: CdxComponent }
    components?: CdxComponent[]
    dependencies?: Array<{ ref: string; dependsOn?: string[] }>
  }
  return {
    format: 'cyclonedx-json',
    specVersion,
    components: flattenCdx(bom.metadata?.component, bom.components ?? []),
    dependencies: (bom.dependencies ?? []).map((x) => ({
      ref: x.ref,
      dependsOn: x.dependsOn ?? [],
    })),
  }
}

function assertCdxVersion(v: string, path: string) {
  if (!(CYCLONEDX_VERSIONS as readonly string[]).includes(v))
    throw invalid(
      path,
      `CycloneDX ${v || '(none)'} is not supported; supported versions are ${CYCLONEDX_VERSIONS.join(', ')} (re-export the SBOM with a current generator)`,
    )
}

/** Nested components keep their parent; the described product (metadata.component) is the root. */
function flattenCdx(root: CdxComponent | undefined, list: CdxComponent[]): SbomComponent[] {
  const out: SbomComponent[] = []
  const walk = (cs: CdxComponent[], parentRef: string | null, path: string) => {
    for (const [i, c] of cs.entries()) {
      const ref = c['bom-ref'] || `${path}[${i}]`
      out.push(
        classifyComponent({
          ref,
          parentRef,
          name: c.name ?? '',
          version: c.version ?? null,
          purl: c.purl ?? null,
        }),
      )
      if (c.components?.length) walk(c.components, ref, `${path}[${i}].components`)
    }
  }
  walk(list, null, 'components')
  if (root && !out.some((c) => c.ref === root['bom-ref'])) {
    const { components: nested, ...rootOnly } = root
    walk([rootOnly], null, 'metadata.component')
    if (nested?.length) walk(nested, out.at(-1)!.ref, 'metadata.component.components')
  }
  return out
}

const XML_ARRAYS = new Set(['component', 'dependency'])

/**
 * CycloneDX XML. The library validates XML only with a native XML binding (libxmljs2), which
 * this project does not take on; fast-xml-parser checks well-formedness (with line and column)
 * and the shape checks below name the element at fault.
 */
function parseCycloneDxXml(text: string): Omit<ParsedSbom, 'sha256'> {
  const ok = XMLValidator.validate(text)
  if (ok !== true)
    throw invalid(
      `sbom (line ${ok.err.line}, column ${ok.err.col})`,
      `is not well-formed XML: ${ok.err.msg}`,
    )
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    processEntities: false,
    parseTagValue: false,
    isArray: (name) => XML_ARRAYS.has(name),
  })
  const doc = parser.parse(text) as { bom?: Record<string, unknown> }
  const bom = doc.bom
  if (!bom) throw invalid('bom', 'the root element must be <bom> in a CycloneDX namespace')
  const ns = String(bom['@_xmlns'] ?? '')
  const m = /^http:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)$/.exec(ns)
  if (!m) throw invalid('bom@xmlns', `must be http://cyclonedx.org/schema/bom/1.x, not "${ns}"`)
  const specVersion = m[1]!
  assertCdxVersion(specVersion, 'bom@xmlns')
  const toCdx = (node: unknown, path: string): CdxComponent => {
    if (typeof node !== 'object' || node === null)
      throw invalid(path, 'must be a <component> element with a <name>')
    const n = node as Record<string, unknown>
    if (typeof n.name !== 'string' || n.name === '') throw invalid(`${path}/name`, 'is required')
    for (const k of ['version', 'purl'] as const)
      if (n[k] !== undefined && typeof n[k] !== 'string')
        throw invalid(`${path}/${k}`, 'must be text')
    const children = (n.components as { component?: unknown[] } | undefined)?.component ?? []
    return {
      ...(n['@_bom-ref'] ? { 'bom-ref': String(n['@_bom-ref']) } : {}),
      name: n.name,
      ...(typeof n.version === 'string' ? { version: n.version } : {}),
      ...(typeof n.purl === 'string' ? { purl: n.purl.trim() } : {}),
      components: children.map((c, i) => toCdx(c, `${path}/components/component[${i + 1}]`)),
    }
  }
  const list = ((bom.components as { component?: unknown[] } | undefined)?.component ?? []).map(
    (c, i) => toCdx(c, `/bom/components/component[${i + 1}]`),
  )
  const meta = bom.metadata as { component?: unknown[] } | undefined
  const root = meta?.component?.[0]
    ? toCdx(meta.component[0], '/bom/metadata/component')
    : undefined
  const deps = ((bom.dependencies as { dependency?: unknown[] } | undefined)?.dependency ?? []).map(
    (d, i) => {
      const dd = d as { '@_ref'?: string; dependency?: Array<{ '@_ref'?: string }> }
      if (!dd['@_ref']) throw invalid(`/bom/dependencies/dependency[${i + 1}]@ref`, 'is required')
      return { ref: dd['@_ref'], dependsOn: (dd.dependency ?? []).flatMap((x) => x['@_ref'] ?? []) }
    },
  )
  return {
    format: 'cyclonedx-xml',
    specVersion,
    components: flattenCdx(root, list),
    dependencies: deps,
  }
}

// --- SPDX ------------------------------------------------------------------------------------

const ZSpdx = z.object({
  spdxVersion: z.enum(['SPDX-2.2', 'SPDX-2.3'], {
    error: 'must be SPDX-2.3 (or SPDX-2.2); SPDX 3 JSON-LD is not supported',
  }),
  SPDXID: z.string(),
  packages: z
    .array(
      z.object({
        SPDXID: z.string().min(1),
        name: z.string(),
        versionInfo: z.string().optional(),
        externalRefs: z
          .array(
            z.object({
              referenceCategory: z.string(),
              referenceType: z.string(),
              referenceLocator: z.string(),
            }),
          )
          .optional(),
      }),
    )
    .default([]),
  relationships: z
    .array(
      z.object({
        spdxElementId: z.string(),
        relationshipType: z.string(),
        relatedSpdxElement: z.string(),
      }),
    )
    .default([]),
})

function parseSpdxJson(doc: unknown): Omit<ParsedSbom, 'sha256'> {
  const r = ZSpdx.safeParse(doc)
  if (!r.success) {
    const issue = r.error.issues[0]!
    throw invalid(issue.path.length ? issue.path.join('.') : 'sbom', issue.message)
  }
  const d = r.data
  const components = d.packages.map((p) => {
    const purl = p.externalRefs?.find((x) => x.referenceType === 'purl')?.referenceLocator ?? null
    const version = p.versionInfo && p.versionInfo !== 'NOASSERTION' ? p.versionInfo : null
    return classifyComponent({ ref: p.SPDXID, parentRef: null, name: p.name, version, purl })
  })
  // DEPENDS_ON and CONTAINS point from the dependent; DEPENDENCY_OF points the other way.
  const deps = new Map<string, string[]>()
  const add = (from: string, to: string) => deps.set(from, [...(deps.get(from) ?? []), to])
  for (const rel of d.relationships) {
    if (rel.relationshipType === 'DEPENDS_ON' || rel.relationshipType === 'CONTAINS')
      add(rel.spdxElementId, rel.relatedSpdxElement)
    else if (rel.relationshipType === 'DEPENDENCY_OF')
      add(rel.relatedSpdxElement, rel.spdxElementId)
  }
  return {
    format: 'spdx-json',
    specVersion: d.spdxVersion.replace('SPDX-', ''),
    components,
    dependencies: [...deps].map(([ref, dependsOn]) => ({ ref, dependsOn })),
  }
}

// --- purl list -------------------------------------------------------------------------------

function parsePurlList(text: string): Omit<ParsedSbom, 'sha256'> {
  const components: SbomComponent[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    if (!line.startsWith('pkg:'))
      throw invalid(
        `line ${i + 1}`,
        `must be a purl (pkg:type/name@version), not ${JSON.stringify(line.slice(0, 80))}`,
      )
    const name = line.slice(4).split(/[@?#]/)[0]?.split('/').at(-1) ?? line
    components.push(
      classifyComponent({
        ref: `line-${i + 1}`,
        parentRef: null,
        name: decodeSafe(name),
        version: null,
        purl: line,
      }),
    )
  }
  return { format: 'purl-list', specVersion: null, components, dependencies: [] }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
