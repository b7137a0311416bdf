/**
 * Which roles can be held in which kinds of organisation: a copy of the server's table
 * (ROLES in src/accounts/model.ts), kept as data so the grant form offers only roles that fit.
 * The server checks again; if the two ever disagree, its answer shows beside the role field.
 */
import type { Role } from '../accounts/session.ts'

export const ORG_KINDS = ['program', 'agency', 'lab', 'partner', 'vendor', 'operator'] as const
export type OrgKind = (typeof ORG_KINDS)[number]

export const ORG_KIND_LABELS: Record<OrgKind, string> = {
  program: 'Program',
  agency: 'Agency',
  lab: 'Lab',
  partner: 'Partner',
  vendor: 'Vendor',
  operator: 'Operator',
}

export const ROLE_KINDS: Record<Role, readonly OrgKind[]> = {
  admin: ['program'],
  program_officer: ['program'],
  benchmark_custodian: ['program'],
  analyst: ['program'],
  auditor: ['program', 'agency'],
  agency_signatory: ['agency'],
  lab_member: ['lab'],
  partner_member: ['partner'],
  vendor_member: ['vendor'],
  operator_member: ['operator'],
}

export function orgKindLabel(kind: string): string {
  return ORG_KIND_LABELS[kind as OrgKind] ?? kind
}

/** The roles a person can be granted in an organisation of this kind, in the table's order. */
export function rolesFor(kind: string | undefined): Role[] {
  if (!kind) return []
  return (Object.keys(ROLE_KINDS) as Role[]).filter((r) =>
    (ROLE_KINDS[r] as readonly string[]).includes(kind),
  )
}
