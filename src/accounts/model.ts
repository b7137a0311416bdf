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
export const PROGRAM_WIDE_ROLES: readonly Role[] = [
  'admin',
  'program_officer',
  'benchmark_custodian',
  'auditor',
]

export const TOKEN_PREFIX = 'ew_pat_'
export const SESSION_COOKIE = 'ew_session'
export const CSRF_HEADER = 'x-csrf-token'
/** API tokens live at most a year; the default is 90 days. */
export const TOKEN_MAX_DAYS = 365
export const TOKEN_DEFAULT_DAYS = 90

export interface Org {
  id: string
  kind: OrgKind
  name: string
  slug: string
  createdAt: Date
}

/** A person as anyone outside this capability sees them: never a password hash or OIDC subject. */
export interface Person {
  id: string
  email: string
  name: string
  hasPassword: boolean
  disabledAt: Date | null
  createdAt: Date
}

export interface Membership {
  orgId: string
  personId: string
  role: Role
  grantedBy: string | null
  grantedAt: Date
}

/** An organisation a person belongs to, with the roles they hold there (the organisation switcher). */
export interface OrgWithRoles {
  id: string
  name: string
  kind: OrgKind
  slug: string
  roles: Role[]
}

export interface PersonWithMemberships extends Person {
  memberships: Array<{ orgId: string; orgName: string; orgKind: OrgKind; role: Role }>
}

/** What lists show about an API token: enough to recognise and revoke it, nothing to use it. */
export interface TokenInfo {
  id: string
  name: string
  hint: string
  orgId: string
  orgName: string
  createdAt: Date
  expiresAt: Date
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface DemoPersona {
  role: Role
  label: string
  personName: string
  orgName: string
  personId: string
  orgId: string
}

export const CSRF_COOKIE = 'ew_csrf'
export const SESSION_SECRET_PREFIX = 'ew_ses_'
export const SIGNIN_LINK_PREFIX = 'ew_lnk_'
export const SIGNIN_LINK_HOURS = 24
/** Long enough to finish an identity provider's login page, short enough that stale attempts die. */
export const OIDC_LOGIN_MINUTES = 10
export const PASSWORD_MIN_LENGTH = 12
/** scrypt is deliberately slow; a cap keeps one request from costing more than it should. */
export const PASSWORD_MAX_LENGTH = 256
export const DEMO_EMAIL_DOMAIN = 'demo.earlywatch.test'

export function isRole(s: string): s is Role {
  return Object.hasOwn(ROLES, s)
}

export function isOrgKind(s: string): s is OrgKind {
  return (ORG_KINDS as readonly string[]).includes(s)
}

/** Emails are compared case-insensitively; the database stores them lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/

/** "Acme AI, Inc." → "acme-ai-inc": a URL- and CLI-friendly handle derived from a name. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '')
}

/**
 * Where a browser may be sent after sign-in: only a path on this site. Anything else
 * (`//evil.example`, `https://…`, `/\evil`) would turn sign-in into an open redirect.
 */
export function safeReturnTo(value: string | undefined): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/'
  return value
}
