/** Administering accounts: organisations, people and the roles they hold (admins only). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Role } from '../accounts/session.ts'
import { api } from '../api.ts'
import type { OrgKind } from './roles.ts'

export interface Org {
  id: string
  kind: OrgKind
  name: string
  slug: string
  createdAt: string
}

export interface Person {
  id: string
  email: string
  name: string
  /** False for people who sign in with single sign-on or a one-time link. */
  hasPassword: boolean
  disabledAt: string | null
  createdAt: string
}

export interface PersonWithMemberships extends Person {
  memberships: Array<{ orgId: string; orgName: string; orgKind: OrgKind; role: Role }>
}

export interface NewOrg {
  kind: OrgKind
  name: string
  /** Derived from the name when left out. */
  slug?: string
}

export interface NewPerson {
  email: string
  name: string
  /** Left out for people who sign in with single sign-on or a one-time link. */
  password?: string
}

export interface MemberChange {
  orgId: string
  personId: string
  role: Role
}

const adminKey = ['admin'] as const
const orgsKey = [...adminKey, 'orgs'] as const
const peopleKey = [...adminKey, 'people'] as const

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name)

export function useOrgs() {
  return useQuery({
    queryKey: orgsKey,
    queryFn: ({ signal }) => api<{ items: Org[] }>('/api/orgs', { signal }),
    select: (data) => [...data.items].sort(byName),
  })
}

export function usePeople() {
  return useQuery({
    queryKey: peopleKey,
    queryFn: ({ signal }) => api<{ items: PersonWithMemberships[] }>('/api/people', { signal }),
    select: (data) => [...data.items].sort(byName),
  })
}

export function useCreateOrg() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: NewOrg) => api<Org>('/api/orgs', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKey }),
  })
}

export function useCreatePerson() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: NewPerson) => api<Person>('/api/people', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: peopleKey }),
  })
}

const membersPath = (orgId: string) => `/api/orgs/${encodeURIComponent(orgId)}/members`

/**
 * Granting or revoking can change the administrator's own roles too, so the session is
 * read again along with the people list.
 */
function useMemberChange(method: 'POST' | 'DELETE') {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ orgId, ...body }: MemberChange) => api(membersPath(orgId), { method, body }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: peopleKey })
      void client.invalidateQueries({ queryKey: ['session'], exact: true })
    },
  })
}

export const useGrantRole = () => useMemberChange('POST')
export const useRevokeRole = () => useMemberChange('DELETE')
