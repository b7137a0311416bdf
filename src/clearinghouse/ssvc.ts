/**
 * SSVC triage decisions with CISA's coordinator decision tree (the "CISA SSVC Guide", November
 * 2022; the same table is CERT/CC SSVC's `cisa_coordinator_2_0_3`): exploitation, automatable,
 * technical impact and mission & well-being → Track, Track*, Attend or Act.
 */

export const EXPLOITATION = ['none', 'public_poc', 'active'] as const
export type Exploitation = (typeof EXPLOITATION)[number]
export const AUTOMATABLE = ['no', 'yes'] as const
export type Automatable = (typeof AUTOMATABLE)[number]
export const TECHNICAL_IMPACT = ['partial', 'total'] as const
export type TechnicalImpact = (typeof TECHNICAL_IMPACT)[number]
export const MISSION_WELLBEING = ['low', 'medium', 'high'] as const
export type MissionWellbeing = (typeof MISSION_WELLBEING)[number]
export const SSVC_DECISIONS = ['track', 'track*', 'attend', 'act'] as const
export type SsvcDecision = (typeof SSVC_DECISIONS)[number]

export interface SsvcInputs {
  exploitation: Exploitation
  automatable: Automatable
  technicalImpact: TechnicalImpact
  missionWellbeing: MissionWellbeing
}

/**
 * The published table, one string per exploitation value, in the table's own row order:
 * automatable (no, yes) × technical impact (partial, total) × mission & well-being (low,
 * medium, high). T = track, * = track*, A = attend, X = act.
 */
const TABLE: Record<Exploitation, string> = {
  none: 'TTTTT*TTATTA',
  public_poc: 'TT*T*ATTAT*A',
  active: 'TTATAXAAXAXX',
}

const LETTER: Record<string, SsvcDecision> = { T: 'track', '*': 'track*', A: 'attend', X: 'act' }

/**
 * @example
 * ssvcDecide({ exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high' }) // 'act'
 */
export function ssvcDecide(i: SsvcInputs): SsvcDecision {
  const row =
    AUTOMATABLE.indexOf(i.automatable) * 6 +
    TECHNICAL_IMPACT.indexOf(i.technicalImpact) * 3 +
    MISSION_WELLBEING.indexOf(i.missionWellbeing)
  return LETTER[TABLE[i.exploitation][row]!]!
}

/** Higher first in the triage queue. */
export const ssvcPriority = (d: SsvcDecision | null | undefined): number =>
  d ? SSVC_DECISIONS.indexOf(d) : -1
