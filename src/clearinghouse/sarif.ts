/**
 * SARIF 2.1.0 intake: structural validation (with the path of each problem), the SARIF SDK's
 * AI-finding properties (`ai/origin`, `ai/exploitability`, `ai/attackerPosition`,
 * `ai/evidence`, `rank`), and one finding per result with its rule, message, location, CWE and
 * fingerprints. Pure: no I/O.
 *
 * Written here because no maintained JavaScript library reads SARIF into findings; the shapes
 * follow the OASIS SARIF 2.1.0 schema and the AI rules (AI1006, AI2010, AI2014–AI2016) of
 * microsoft/sarif-sdk's multitool validator.
 */
import { z } from 'zod'

/** AI1006: `run.properties["ai/origin"]`. */
export const AI_ORIGINS = ['generated', 'annotated', 'synthesized'] as const
export type AiOrigin = (typeof AI_ORIGINS)[number]
/** AI2014: `result.properties["ai/exploitability"]`. */
export const AI_EXPLOITABILITY = ['demonstrated', 'poc', 'theoretical'] as const
export type AiExploitability = (typeof AI_EXPLOITABILITY)[number]

/** The largest SARIF log accepted: a scan of a large code base is a few MB; more is a mistake. */
export const MAX_SARIF_BYTES = 10 * 1024 * 1024
/** Results beyond this in one upload are refused rather than half-imported. */
export const MAX_SARIF_RESULTS = 5000

const ZMessage = z.looseObject({
  text: z.string().optional(),
  markdown: z.string().optional(),
  id: z.string().optional(),
  arguments: z.array(z.string()).optional(),
})

const ZArtifactLocation = z.looseObject({
  uri: z.string().optional(),
  uriBaseId: z.string().optional(),
  index: z.number().int().min(-1).optional(),
})

const ZRegion = z.looseObject({
  startLine: z.number().int().min(1).optional(),
  startColumn: z.number().int().min(1).optional(),
  endLine: z.number().int().min(1).optional(),
  endColumn: z.number().int().min(1).optional(),
})

const ZLocation = z.looseObject({
  physicalLocation: z
    .looseObject({ artifactLocation: ZArtifactLocation.optional(), region: ZRegion.optional() })
    .optional(),
  logicalLocations: z
    .array(
      z.looseObject({ fullyQualifiedName: z.string().optional(), name: z.string().optional() }),
    )
    .optional(),
})

const ZPropertyBag = z.looseObject({ tags: z.array(z.string()).optional() })

const ZRule = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  shortDescription: ZMessage.optional(),
  fullDescription: ZMessage.optional(),
  messageStrings: z.record(z.string(), ZMessage).optional(),
  defaultConfiguration: z
    .looseObject({ level: z.string().optional(), rank: z.number().optional() })
    .optional(),
  relationships: z
    .array(
      z.looseObject({
        target: z.looseObject({
          id: z.string().optional(),
          toolComponent: z.looseObject({ name: z.string().optional() }).optional(),
        }),
      }),
    )
    .optional(),
  properties: ZPropertyBag.optional(),
})

const ZResult = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.number().int().min(-1).optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.number().int().optional() }).optional(),
  level: z.enum(['none', 'note', 'warning', 'error']).optional(),
  kind: z.string().optional(),
  message: ZMessage,
  locations: z.array(ZLocation).optional(),
  fingerprints: z.record(z.string(), z.string()).optional(),
  partialFingerprints: z.record(z.string(), z.string()).optional(),
  // SARIF §3.27.11: -1.0 (no value) to 100.0.
  rank: z.number().min(-1).max(100).optional(),
  properties: ZPropertyBag.optional(),
})

const ZRun = z.looseObject({
  tool: z.looseObject({
    driver: z.looseObject({
      name: z.string().min(1),
      version: z.string().optional(),
      semanticVersion: z.string().optional(),
      rules: z.array(ZRule).optional(),
    }),
  }),
  artifacts: z.array(z.looseObject({ location: ZArtifactLocation.optional() })).optional(),
  results: z.array(ZResult).nullable().optional(),
  properties: ZPropertyBag.optional(),
})

export const ZSarifLog = z.looseObject({
  $schema: z.string().optional(),
  version: z.literal('2.1.0', { error: 'must be "2.1.0": earlywatch reads SARIF 2.1.0' }),
  runs: z.array(ZRun),
})
export type SarifLog = z.infer<typeof ZSarifLog>
type SarifRun = z.infer<typeof ZRun>
type SarifResult = z.infer<typeof ZResult>
type SarifRule = z.infer<typeof ZRule>

export interface SarifProblem {
  /** Where in the log, e.g. `runs[0].results[2].properties.ai/exploitability`. */
  path: string
  message: string
}

export interface AiEvidence {
  summary: string
  strength: string | null
  backing: string[]
}

export interface AiFinding {
  origin: AiOrigin | null
  exploitability: AiExploitability | null
  attackerPosition: string | null
  evidence: AiEvidence[]
  /** SARIF `rank` (0–100), read as the model's confidence; null when absent or -1. */
  confidence: number | null
}

export interface SarifLocation {
  uri: string | null
  startLine: number | null
  startColumn: number | null
  logical: string | null
}

export interface SarifFinding {
  /** Where the result sits in the log: `runs[0].results[3]`. */
  pointer: string
  tool: string
  toolVersion: string | null
  ruleId: string
  ruleName: string | null
  title: string
  message: string
  level: string | null
  location: SarifLocation
  cwe: string | null
  fingerprints: Record<string, string>
  partialFingerprints: Record<string, string>
  ai: AiFinding | null
}

export type SarifParse =
  | { ok: true; findings: SarifFinding[]; warnings: SarifProblem[] }
  | { ok: false; problems: SarifProblem[] }

/** `['runs', 0, 'results', 2, 'message']` → `runs[0].results[2].message`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out ? `.${String(p)}` : String(p)
  }
  return out || '(root)'
}

/** `CWE-79`, `cwe-079`, `external/cwe/cwe-079`, `CWE-78/api-handler` → `CWE-79` / `CWE-78`. */
export function cweOf(text: string | undefined | null): string | null {
  if (!text) return null
  const m = /(?:^|[/\s(])cwe-0*(\d{1,5})(?!\w)/i.exec(text)
  return m ? `CWE-${m[1]}` : null
}

function ruleFor(run: SarifRun, r: SarifResult): SarifRule | null {
  const rules = run.tool.driver.rules ?? []
  const index = r.ruleIndex ?? r.rule?.index
  if (index !== undefined && index >= 0 && rules[index]) return rules[index]
  const id = r.ruleId ?? r.rule?.id
  if (!id) return null
  // A hierarchical ruleId (`CWE-78/api-handler`) belongs to the descriptor of its base id.
  return rules.find((x) => x.id === id) ?? rules.find((x) => x.id === id.split('/')[0]) ?? null
}

function messageText(r: SarifResult, rule: SarifRule | null): string {
  if (r.message.text) return r.message.text
  const template = r.message.id ? rule?.messageStrings?.[r.message.id]?.text : undefined
  if (template) {
    const args = r.message.arguments ?? []
    return template.replace(/\{(\d+)\}/g, (_, i: string) => args[Number(i)] ?? '')
  }
  return rule?.shortDescription?.text ?? r.message.markdown ?? ''
}

function locationOf(run: SarifRun, r: SarifResult): SarifLocation {
  const loc = r.locations?.[0]
  const phys = loc?.physicalLocation
  const art = phys?.artifactLocation
  const uri =
    art?.uri ??
    (art?.index !== undefined && art.index >= 0
      ? run.artifacts?.[art.index]?.location?.uri
      : undefined)
  const logical = loc?.logicalLocations?.[0]
  return {
    uri: uri ?? null,
    startLine: phys?.region?.startLine ?? null,
    startColumn: phys?.region?.startColumn ?? null,
    logical: logical?.fullyQualifiedName ?? logical?.name ?? null,
  }
}

function cweFor(r: SarifResult, rule: SarifRule | null, ruleId: string): string | null {
  const candidates: Array<string | undefined> = [
    ruleId,
    rule?.id,
    ...(rule?.properties?.tags ?? []),
    ...(r.properties?.tags ?? []),
    ...(rule?.relationships ?? [])
      .filter((x) => (x.target.toolComponent?.name ?? '').toUpperCase() === 'CWE')
      .map((x) => x.target.id),
  ]
  for (const c of candidates) {
    const cwe = cweOf(c)
    if (cwe) return cwe
  }
  return null
}

/** Reads and validates the AI-finding properties of one result; problems are collected, not thrown. */
function aiOf(
  run: SarifRun,
  r: SarifResult,
  pointer: string,
  origin: AiOrigin | null,
  problems: SarifProblem[],
  warnings: SarifProblem[],
): AiFinding | null {
  const props = (r.properties ?? {}) as Record<string, unknown>
  const has = (k: string) => Object.hasOwn(props, k)
  const path = (k: string) => `${pointer}.properties.${k}`
  let exploitability: AiExploitability | null = null
  if (has('ai/exploitability')) {
    const v = props['ai/exploitability']
    if (typeof v === 'string' && (AI_EXPLOITABILITY as readonly string[]).includes(v)) {
      exploitability = v as AiExploitability
    } else {
      problems.push({
        path: path('ai/exploitability'),
        message: `must be one of ${AI_EXPLOITABILITY.join(', ')} (SARIF AI rule AI2014), not ${JSON.stringify(v)}`,
      })
    }
  }
  let attackerPosition: string | null = null
  if (has('ai/attackerPosition')) {
    const v = props['ai/attackerPosition']
    if (typeof v === 'string' && v.trim()) attackerPosition = v.trim()
    else
      problems.push({
        path: path('ai/attackerPosition'),
        message: 'must be a non-empty string such as "unauthenticated-network" (AI2015)',
      })
  }
  const evidence: AiEvidence[] = []
  if (has('ai/evidence')) {
    const v = props['ai/evidence']
    if (!Array.isArray(v)) {
      problems.push({
        path: path('ai/evidence'),
        message: 'must be a JSON array of evidence objects { summary, strength, backing } (AI2016)',
      })
    } else {
      v.forEach((e, i) => {
        const p = `${path('ai/evidence')}[${i}]`
        if (typeof e !== 'object' || e === null || Array.isArray(e)) {
          problems.push({ path: p, message: 'must be an object { summary, strength, backing }' })
          return
        }
        const o = e as Record<string, unknown>
        if (typeof o.summary !== 'string' || !o.summary.trim()) {
          problems.push({ path: `${p}.summary`, message: 'must be a non-empty string' })
          return
        }
        const b = o.backing
        // AI rules accept backing as one string or an array of strings.
        const backing =
          typeof b === 'string'
            ? [b]
            : Array.isArray(b)
              ? b.filter((x) => typeof x === 'string')
              : []
        const strength = typeof o.strength === 'string' ? o.strength : null
        if (strength === 'demonstrated' && backing.length === 0)
          warnings.push({
            path: `${p}.backing`,
            message:
              'demonstrated evidence has no backing (AI2016): it is kept, but an analyst must reproduce it',
          })
        for (const [j, uri] of backing.entries()) {
          if (uri.startsWith('sarif:') && !resolvesInRun(run, uri))
            warnings.push({
              path: `${p}.backing${typeof b === 'string' ? '' : `[${j}]`}`,
              message: `${uri} does not resolve to an element of this log (AI1010)`,
            })
        }
        evidence.push({ summary: o.summary.trim(), strength, backing })
      })
    }
  }
  if (
    exploitability === 'demonstrated' &&
    !evidence.some((e) => e.strength === 'demonstrated' && e.backing.length > 0)
  )
    warnings.push({
      path: path('ai/exploitability'),
      message:
        'is "demonstrated" but no evidence entry is demonstrated with backing (AI2016); the claim is kept for triage to check',
    })
  const rank = r.rank !== undefined && r.rank >= 0 ? r.rank : null
  const any =
    origin !== null ||
    exploitability !== null ||
    attackerPosition !== null ||
    evidence.length > 0 ||
    Object.keys(props).some((k) => k.startsWith('ai/'))
  if (!any) return null
  return { origin, exploitability, attackerPosition, evidence, confidence: rank }
}

/** Only `sarif:/runs/N/results/M…` pointers into this log are checked; others pass. */
function resolvesInRun(run: SarifRun, uri: string): boolean {
  const m = /^sarif:\/runs\/(\d+)\/results\/(\d+)(?:\/locations\/(\d+))?/.exec(uri)
  if (!m) return true
  // Cross-run pointers cannot be checked from one run; only run 0 of single-run logs is common.
  const result = run.results?.[Number(m[2])]
  if (!result) return false
  return m[3] === undefined || result.locations?.[Number(m[3])] !== undefined
}

/**
 * Validates a SARIF 2.1.0 log and turns every result into a finding. Structural problems and
 * invalid AI properties refuse the whole log (nothing half-imported), each with its path.
 *
 * @example
 * const r = parseSarif(JSON.parse(text))
 * if (!r.ok) throw invalidSarif(r.problems)
 */
export function parseSarif(input: unknown): SarifParse {
  const parsed = ZSarifLog.safeParse(input)
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    }
  }
  const log = parsed.data
  const problems: SarifProblem[] = []
  const warnings: SarifProblem[] = []
  const findings: SarifFinding[] = []
  const total = log.runs.reduce((n, run) => n + (run.results?.length ?? 0), 0)
  if (total > MAX_SARIF_RESULTS)
    return {
      ok: false,
      problems: [
        {
          path: 'runs',
          message: `${total} results in one log; at most ${MAX_SARIF_RESULTS} are accepted per upload. Split the log by run or by tool.`,
        },
      ],
    }
  log.runs.forEach((run, ri) => {
    const runProps = (run.properties ?? {}) as Record<string, unknown>
    let origin: AiOrigin | null = null
    if (Object.hasOwn(runProps, 'ai/origin')) {
      const v = runProps['ai/origin']
      if (typeof v === 'string' && (AI_ORIGINS as readonly string[]).includes(v))
        origin = v as AiOrigin
      else
        problems.push({
          path: `runs[${ri}].properties.ai/origin`,
          message: `must be one of ${AI_ORIGINS.join(', ')} (SARIF AI rule AI1006), not ${JSON.stringify(v)}`,
        })
    }
    ;(run.results ?? []).forEach((r, i) => {
      const pointer = `runs[${ri}].results[${i}]`
      const rule = ruleFor(run, r)
      const ruleId = r.ruleId ?? r.rule?.id ?? rule?.id
      if (!ruleId) {
        problems.push({
          path: `${pointer}.ruleId`,
          message: 'the result names no rule (ruleId, rule.id or ruleIndex)',
        })
        return
      }
      const message = messageText(r, rule).trim()
      if (!message) {
        problems.push({
          path: `${pointer}.message`,
          message: 'the result has no message text and no resolvable message id',
        })
        return
      }
      findings.push({
        pointer,
        tool: run.tool.driver.name,
        toolVersion: run.tool.driver.semanticVersion ?? run.tool.driver.version ?? null,
        ruleId,
        ruleName: rule?.name ?? null,
        title: (rule?.shortDescription?.text ?? rule?.name ?? ruleId).trim(),
        message,
        level: r.level ?? rule?.defaultConfiguration?.level ?? null,
        location: locationOf(run, r),
        cwe: cweFor(r, rule, ruleId),
        fingerprints: r.fingerprints ?? {},
        partialFingerprints: r.partialFingerprints ?? {},
        ai: aiOf(run, r, pointer, origin, problems, warnings),
      })
    })
  })
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, findings, warnings }
}
