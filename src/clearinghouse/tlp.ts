/**
 * TLP 2.0 (FIRST Traffic Light Protocol, version 2.0): the five labels and who may read what
 * carries them. Pure: the caller says who is asking and who takes part in the case.
 */

export const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type Tlp = (typeof TLP_LABELS)[number]

/** Wider to narrower: a label later in the list reaches fewer people. */
export const tlpRank = (t: Tlp): number => TLP_LABELS.indexOf(t)

/** The narrower of two labels: what an item inside a case effectively carries. */
export const stricter = (a: Tlp, b: Tlp): Tlp => (tlpRank(a) >= tlpRank(b) ? a : b)

/** How a label is written in exports, notifications and subjects, as TLP 2.0 asks: `TLP:AMBER+STRICT`. */
export const tlpTag = (t: Tlp): string => `TLP:${t}`

/** One participant of a case, as access control needs it. */
export interface TlpParticipant {
  orgId: string
  /** Null: the organisation takes part as a whole, no person named. */
  personId: string | null
  role: 'coordinator' | 'reporter' | 'vendor' | 'client'
}

/** Who is asking: null for an anonymous visitor. */
export interface TlpViewer {
  personId: string
  orgId: string
}

/**
 * May `viewer` read something labelled `tlp` in a case with these participants?
 *
 * - CLEAR: anyone, signed in or not.
 * - GREEN: the community: any signed-in member of earlywatch.
 * - AMBER: members of a participating organisation, and of organisations a participant has
 *   added to the case as its client (TLP 2.0: "their own organization and its clients").
 * - AMBER+STRICT: members of a participating organisation only; clients are not enough.
 * - RED: participants named in person only; colleagues of a named person are not.
 *
 * Program staff get no exemption: an analyst reads RED only when named in the case.
 *
 * @example
 * canRead('AMBER+STRICT', { personId: 'per_1', orgId: 'org_v' }, [{ orgId: 'org_v', personId: null, role: 'vendor' }]) // true
 */
export function canRead(
  tlp: Tlp,
  viewer: TlpViewer | null,
  participants: readonly TlpParticipant[],
): boolean {
  if (tlp === 'CLEAR') return true
  if (!viewer) return false
  if (tlp === 'GREEN') return true
  const members = participants.filter((p) => p.role !== 'client')
  if (tlp === 'RED') return members.some((p) => p.personId === viewer.personId)
  const ownOrg = members.some((p) => p.orgId === viewer.orgId)
  if (tlp === 'AMBER+STRICT') return ownOrg
  return ownOrg || participants.some((p) => p.role === 'client' && p.orgId === viewer.orgId)
}

export function isTlp(s: string): s is Tlp {
  return (TLP_LABELS as readonly string[]).includes(s)
}
