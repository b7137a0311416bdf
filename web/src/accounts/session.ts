/** Who is signed in, for which organisation, and the calls that change that. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../api.ts'
import { noteMove } from '../platform/router.tsx'

export type Role =
  | 'admin'
  | 'program_officer'
  | 'benchmark_custodian'
  | 'analyst'
  | 'auditor'
  | 'agency_signatory'
  | 'lab_member'
  | 'partner_member'
  | 'vendor_member'
  | 'operator_member'

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  program_officer: 'Program officer',
  benchmark_custodian: 'Benchmark custodian',
  analyst: 'Clearinghouse analyst',
  auditor: 'Auditor',
  agency_signatory: 'Agency signatory',
  lab_member: 'Lab member',
  partner_member: 'Partner member',
  vendor_member: 'Vendor member',
  operator_member: 'Operator member',
}

export function roleLabel(role: string): string {
  return ROLE_LABELS[role as Role] ?? role
}

export interface OrgMembership {
  id: string
  name: string
  kind: string
  roles: Role[]
}

export interface Session {
  signedIn: boolean
  person?: { id: string; name: string; email: string }
  org?: { id: string; name: string; kind: string }
  roles: Role[]
  orgs: OrgMembership[]
  demo: boolean
  oidc: boolean
}

export interface DemoPersona {
  role: Role
  label: string
  personName: string
  orgName: string
}

export const sessionKey = ['session'] as const

export function useSession() {
  return useQuery({
    queryKey: sessionKey,
    queryFn: () => api<Session>('/api/session'),
    staleTime: 60_000,
  })
}

export function hasRole(session: Session | undefined, ...roles: Role[]): boolean {
  return Boolean(session?.roles.some((r) => roles.includes(r)))
}

/** Who reads the program registry: program staff see every lab's submissions, a lab its own. */
export const PROGRAM_READERS: readonly Role[] = [
  'admin',
  'program_officer',
  'benchmark_custodian',
  'auditor',
  'lab_member',
]

export function useDemoPersonas(enabled: boolean) {
  return useQuery({
    queryKey: ['session', 'demo-personas'],
    queryFn: () => api<DemoPersona[]>('/api/session/demo'),
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
  })
}

/** After signing in, nothing cached so far (the sign-in page's own queries aside) still applies. */
function useSignedIn() {
  const client = useQueryClient()
  return (next: Session) => {
    noteMove()
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' })
    client.setQueryData(sessionKey, next)
  }
}

/**
 * Signing out or switching organisation reloads the app at the overview: everything held in
 * memory belonged to the person or organisation of before, and a fresh start drops it all at
 * once instead of racing requests that would still go out under the old identity.
 */
function restartAtOverview() {
  window.location.assign('/')
}

export function useDemoSignIn() {
  const signedIn = useSignedIn()
  return useMutation({
    mutationFn: (role: Role) =>
      api<Session>('/api/session/demo', { method: 'POST', body: { role } }),
    onSuccess: signedIn,
  })
}

export function usePasswordSignIn() {
  const signedIn = useSignedIn()
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api<Session>('/api/session/password', { method: 'POST', body }),
    onSuccess: signedIn,
  })
}

export function useSwitchOrg() {
  return useMutation({
    mutationFn: (orgId: string) =>
      api<Session>('/api/session/org', { method: 'POST', body: { orgId } }),
    onSuccess: restartAtOverview,
  })
}

export function useSignOut() {
  return useMutation({
    mutationFn: () => api<undefined>('/api/session', { method: 'DELETE' }),
    onSuccess: restartAtOverview,
  })
}
