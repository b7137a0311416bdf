/**
 * Version ranges as vendors state them (`>=2.0.0 <2.4.1`, `<=1.9`, `3.1.0`, `*`, or a `vers:`
 * URI) parsed into constraints, and written back as a vers URI (CSAF 2.0 §6.2.18 asks for vers
 * in `product_version_range`) or as OSV range events. Hand-written: the only vers library on npm
 * is unmaintained, and this needs nothing but the comparator syntax, no version ordering.
 */

export type RangeOp = '>=' | '<' | '<=' | '='

export interface Constraint {
  op: RangeOp
  version: string
}

/** Constraints in the order written; an empty list means every version. */
export type ParsedRange = { ok: true; constraints: Constraint[] } | { ok: false; message: string }

const OP = /^(>=|<=|<|=)?\s*([^\s<>=|,]+)$/

/**
 * @example
 * parseRange('>=2.0.0 <2.4.1') // { ok: true, constraints: [{ op: '>=', version: '2.0.0' }, { op: '<', version: '2.4.1' }] }
 * parseRange('vers:npm/>=2.0.0|<2.4.1') // the same
 */
export function parseRange(text: string): ParsedRange {
  let body = text.trim()
  if (body.startsWith('vers:')) {
    const slash = body.indexOf('/')
    if (slash < 0) return { ok: false, message: `"${text}" is a vers URI without constraints` }
    body = body.slice(slash + 1).replaceAll('|', ' ')
  }
  if (body === '' || body === '*' || body.toLowerCase() === 'all')
    return { ok: true, constraints: [] }
  const parts = body
    .replace(/(>=|<=|<|=)\s+/g, '$1')
    .split(/[\s,]+/)
    .filter(Boolean)
  const constraints: Constraint[] = []
  for (const part of parts) {
    if (part.startsWith('>') && !part.startsWith('>='))
      return {
        ok: false,
        message: `"${part}" in "${text}": an exclusive lower bound cannot be carried into OSV; write >= with the first affected version`,
      }
    const m = OP.exec(part)
    if (!m?.[2])
      return {
        ok: false,
        message: `"${part}" in "${text}" is not a version or a comparison such as >=1.0.0, <2.4.1, <=1.9`,
      }
    constraints.push({ op: (m[1] as RangeOp | undefined) ?? '=', version: m[2] })
  }
  const lowers = constraints.filter((c) => c.op === '>=').length
  const uppers = constraints.filter((c) => c.op === '<' || c.op === '<=').length
  const exact = constraints.filter((c) => c.op === '=').length
  if (lowers > 1 || uppers > 1 || (exact > 0 && lowers + uppers > 0))
    return {
      ok: false,
      message: `"${text}" mixes bounds: give at most one lower (>=) and one upper (< or <=) bound, or a list of exact versions`,
    }
  return { ok: true, constraints }
}

/** A vers URI, e.g. `vers:npm/>=2.0.0|<2.4.1`; `vers:generic/*` for every version. */
export function toVers(constraints: Constraint[], scheme: string): string {
  if (constraints.length === 0) return `vers:${scheme}/*`
  // vers lists constraints in ascending version order: the lower bound before the upper.
  const order: Record<RangeOp, number> = { '>=': 0, '=': 1, '<': 2, '<=': 2 }
  const sorted = [...constraints].sort((a, b) => order[a.op] - order[b.op])
  return `vers:${scheme}/${sorted.map((c) => (c.op === '=' ? c.version : `${c.op}${c.version}`)).join('|')}`
}

/** True for a single exact version (`2.4.1`), which CSAF names as a `product_version`. */
export const isSingleVersion = (c: Constraint[]): boolean => c.length === 1 && c[0]?.op === '='

export type OsvEvent = { introduced: string } | { fixed: string } | { last_affected: string }

/**
 * OSV events for an affected range. `fixed` (the vendor's fixed version) wins over the range's
 * own upper bound: the vendor said where the fix is.
 */
export function toOsvEvents(constraints: Constraint[], fixed: string | null): OsvEvent[] {
  const lower = constraints.find((c) => c.op === '>=')
  const upper = constraints.find((c) => c.op === '<' || c.op === '<=')
  const events: OsvEvent[] = [{ introduced: lower?.version ?? '0' }]
  if (fixed) events.push({ fixed })
  else if (upper?.op === '<') events.push({ fixed: upper.version })
  else if (upper?.op === '<=') events.push({ last_affected: upper.version })
  return events
}

/** Exact versions named by the range (OSV `versions`), empty for a bounded range. */
export const exactVersions = (constraints: Constraint[]): string[] =>
  constraints.filter((c) => c.op === '=').map((c) => c.version)
