/** Organisations, people and roles: the types and pure rules of who may do what. */

export const ORG_KINDS = ['program', 'agency', 'lab', 'partner', 'vendor', 'operator'] as const
export type OrgKind = (typeof ORG_KINDS)[number]

/**
 * Roles are granted per organisation, and only in organisations of the kinds listed here:
 * a lab member must belong to a lab, an agency signatory to an agency.
 */
export const ROLES = {
  admin: { label: 'Administrator', kinds: ['program'] },
  program_officer: { label: 'Program officer', kinds: ['program'] },
  benchmark_custodian: { label: 'Benchmark custodian', kinds: ['program'] },
  analyst: { label: 'Clearinghouse analyst', kinds: ['program'] },
  auditor: { label: 'Auditor', kinds: ['program', 'agency'] },
  agency_signatory: { label: 'Agency signatory', kinds: ['agency'] },
  lab_member: { label: 'Lab member', kinds: ['lab'] },
  partner_member: { label: 'Partner member', kinds: ['partner'] },
  vendor_member: { label: 'Vendor member', kinds: ['vendor'] },
  operator_member: { label: 'Operator member', kinds: ['operator'] },
} as const satisfies Record<string, { label: string; kinds: readonly OrgKind[] }>

export type Role = keyof typeof ROLES
export const ROLE_NAMES = Object.keys(ROLES) as Role[]

export function roleFitsOrg(role: Role, kind: OrgKind): boolean {
  return (ROLES[role].kinds as readonly OrgKind[]).includes(kind)
}

/** Who is calling: one person acting for one organisation, with the roles they hold there. */
export interface Principal {
  personId: string
  personName: string
  email: string
  orgId: string
  orgKind: OrgKind
  orgName: string
  roles: Role[]
  via: 'token' | 'session'
  sessionId?: string
  tokenId?: string
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.roles.some((r) => roles.includes(r))
}

/** Program staff see every lab's submissions; everyone else sees only their own organisation's. */
export const PROGRAM_WIDE_ROLES: readonly Role[] = ['admin', 'program_officer', 'benchmark_custodian', 'auditor']

export const TOKEN_PREFIX = 'ew_pat_'
export const SESSION_COOKIE = 'ew_session'
export const CSRF_HEADER = 'x-csrf-token'
/** API tokens live at most a year; the default is 90 days. */
export const TOKEN_MAX_DAYS = 365
export const TOKEN_DEFAULT_DAYS = 90
