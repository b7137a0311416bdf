/**
 * When a finding must be fixed: the default policy follows CISA's Stakeholder-Specific
 * Vulnerability Categorization (SSVC) decision-table approach — exploitation × exposure ×
 * automatable × technical impact → a decision (Act, Attend, Track*, Track) → days. Sources and
 * the full table are in docs/inventory.md. Pure; the days per decision are configurable.
 */
import { DAY_MS } from '../platform/clock.ts'
import { cvssMetrics, type OsvRecord } from './model.ts'

export const DECISIONS = ['act', 'attend', 'track_star', 'track'] as const
export type Decision = (typeof DECISIONS)[number]

export interface PolicyInput {
  /** Known exploitation: listed in CISA's KEV catalog. */
  exploited: boolean
  /** The operator's system is reachable from the internet. */
  internetExposed: boolean
  /** An attacker can automate exploitation (SSVC "Automatable"). */
  automatable: boolean
  /** SSVC "Technical Impact": total control of the component, or partial. */
  technicalImpact: 'total' | 'partial'
}

export type RemediationDays = Record<Decision, number>

/**
 * Act: 14 days, as BOD 22-01 gives for KEV entries; Attend: 30 days, BOD 19-02's deadline for
 * high-severity findings; Track* and Track: the next two routine patch cycles.
 */
export const DEFAULT_DAYS: RemediationDays = { act: 14, attend: 30, track_star: 90, track: 180 }

/**
 * The decision table, one row per combination, in the order
 * exploited · internet-exposed · automatable · total-impact.
 */
const TABLE: Record<string, Decision> = {
  'yes yes yes total': 'act',
  'yes yes yes partial': 'act',
  'yes yes no total': 'act',
  'yes yes no partial': 'attend',
  'yes no yes total': 'act',
  'yes no yes partial': 'attend',
  'yes no no total': 'attend',
  'yes no no partial': 'attend',
  'no yes yes total': 'attend',
  'no yes yes partial': 'track_star',
  'no yes no total': 'track_star',
  'no yes no partial': 'track',
  'no no yes total': 'track_star',
  'no no yes partial': 'track',
  'no no no total': 'track',
  'no no no partial': 'track',
}

const yn = (b: boolean) => (b ? 'yes' : 'no')

export function decide(i: PolicyInput): Decision {
  return TABLE[
    `${yn(i.exploited)} ${yn(i.internetExposed)} ${yn(i.automatable)} ${i.technicalImpact}`
  ]!
}

export function dueDate(from: Date, i: PolicyInput, days: RemediationDays = DEFAULT_DAYS): Date {
  return new Date(from.getTime() + days[decide(i)] * DAY_MS)
}

/**
 * SSVC's Automatable and Technical Impact, read from the record's CVSS vector: network attack,
 * low complexity, no privileges and no user interaction is automatable; high confidentiality and
 * integrity impact is total. Without a vector both take the cautious value (yes, total).
 */
export function ssvcFromOsv(osv: OsvRecord): Pick<PolicyInput, 'automatable' | 'technicalImpact'> {
  const vector = osv.severity?.find((s) => s.type.startsWith('CVSS'))?.score
  if (!vector) return { automatable: true, technicalImpact: 'total' }
  const m = cvssMetrics(vector)
  const automatable =
    m.AV === 'N' && m.AC === 'L' && m.PR === 'N' && (m.UI === 'N' || m.UI === undefined)
  const high = (k: string) => m[k] === 'H' || m[`V${k}`] === 'H'
  return { automatable, technicalImpact: high('C') && high('I') ? 'total' : 'partial' }
}
