/**
 * CVSS 3.1 and 4.0 vectors scored with ae-cvss-calculator. The library scores a vector with
 * missing base metrics as 0 instead of refusing it, so completeness is checked here first: a
 * vector that does not parse is an error naming it, never a silent zero.
 */
import calculator from 'ae-cvss-calculator'
import { invalid } from '../platform/errors.ts'

const { Cvss3P1, Cvss4P0 } = calculator

export type CvssVersion = '3.1' | '4.0'

export interface CvssScore {
  vector: string
  score: number
}

const BASE_METRICS: Record<CvssVersion, readonly string[]> = {
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
}

export type CvssResult = { ok: true; value: CvssScore } | { ok: false; message: string }

/**
 * @example
 * scoreCvss('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') // { ok: true, value: { vector, score: 9.8 } }
 */
export function scoreCvss(version: CvssVersion, vector: string): CvssResult {
  const prefix = `CVSS:${version}/`
  const bad = (why: string): CvssResult => ({
    ok: false,
    message: `The CVSS ${version} vector "${vector}" does not parse: ${why}.`,
  })
  if (!vector.startsWith(prefix)) return bad(`it must start with ${prefix}`)
  const seen = new Map<string, string>()
  for (const part of vector.slice(prefix.length).split('/')) {
    const [key, value, ...rest] = part.split(':')
    if (!key || !value || rest.length > 0) return bad(`"${part}" is not METRIC:VALUE`)
    if (seen.has(key)) return bad(`metric ${key} appears twice`)
    seen.set(key, value)
  }
  const missing = BASE_METRICS[version].filter((m) => !seen.has(m) || seen.get(m) === 'X')
  if (missing.length > 0)
    return bad(`base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`)
  try {
    const cvss = version === '3.1' ? new Cvss3P1(vector) : new Cvss4P0(vector)
    const scores = cvss.calculateScores() as { overall?: number; base?: number }
    const score = scores.base ?? scores.overall
    if (typeof score !== 'number' || Number.isNaN(score)) return bad('no score could be computed')
    return { ok: true, value: { vector, score } }
  } catch (err) {
    return bad((err as Error).message.replace(/\.$/, ''))
  }
}

/** Scores, or throws a 400 naming the field and the vector. */
export function requireCvss(field: string, version: CvssVersion, vector: string): CvssScore {
  const r = scoreCvss(version, vector.trim())
  if (!r.ok) throw invalid(field, r.message)
  return r.value
}

/** The qualitative rating shared by 3.1 and 4.0. */
export function severityOf(score: number): 'none' | 'low' | 'medium' | 'high' | 'critical' {
  if (score === 0) return 'none'
  if (score < 4) return 'low'
  if (score < 7) return 'medium'
  if (score < 9) return 'high'
  return 'critical'
}
