/** The program registry as the API serves it: submissions, their review windows and timelines. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, queryString } from '../api.ts'
import type { SubmissionState } from './states.ts'

export type Protocol = 'openai' | 'anthropic'

export interface ReviewWindow {
  opensAt: string
  closesAt: string
  days: number
  phase: 'upcoming' | 'open' | 'closed'
  daysLeft: number
}

export interface Submission {
  id: string
  labOrgId: string
  labName: string
  modelName: string
  modelVersion: string
  description: string
  intendedCapabilities: string[]
  endpoint: { baseUrl: string; protocol: Protocol; modelId: string; hasCredential: boolean }
  offeredDays: number
  partnerReleaseAt: string | null
  publicReleaseAt: string | null
  acceptedAt: string | null
  state: SubmissionState
  /** Set when the lab withdrew: the endpoint credential was destroyed, not merely hidden. */
  credentialDestroyedAt: string | null
  /** Always present: before acceptance it is the earliest window that acceptance now would give. */
  window: ReviewWindow
  createdAt: string
  updatedAt: string
  revision: number
}

export interface SubmissionEvent {
  id: number | string
  at: string
  kind: string
  /** Null for changes the system made on its own. */
  actor: { personId: string; personName: string; orgId: string; orgName: string } | null
  fromState: SubmissionState | null
  toState: SubmissionState | null
  reason: string | null
  data: Record<string, unknown> | null
}

export interface Page<T> {
  items: T[]
  total: number
}

/** The orders the server can list in. */
export const SORT_KEYS = [
  'createdAt',
  'updatedAt',
  'modelName',
  'labName',
  'state',
  'closesAt',
] as const
export type SortKey = (typeof SORT_KEYS)[number]

export interface SubmissionQuery {
  state?: SubmissionState
  q?: string
  sort?: SortKey
  order?: 'asc' | 'desc'
  limit: number
  offset: number
}

export interface NewSubmission {
  modelName: string
  modelVersion: string
  description: string
  intendedCapabilities: string[]
  endpoint: { baseUrl: string; protocol: Protocol; modelId: string; credential: string }
  offeredDays: number
  partnerReleaseAt?: string
  publicReleaseAt?: string
}

/** A date left out stays as it is; null means none is planned any more. */
export interface Reschedule {
  partnerReleaseAt?: string | null
  publicReleaseAt?: string | null
  reason?: string
}

/**
 * The revision the person last saw goes with each change, so a change made on a stale page
 * (someone else moved the submission meanwhile) is refused with 409 instead of applied blindly.
 */
type Revised<T> = T & { revision: number }

const submissionsKey = ['submissions'] as const
const path = (id: string, rest = '') => `/api/submissions/${encodeURIComponent(id)}${rest}`

export function useSubmissions(query: SubmissionQuery) {
  return useQuery({
    queryKey: [...submissionsKey, 'list', query],
    queryFn: ({ signal }) =>
      api<Page<Submission>>(`/api/submissions${queryString({ ...query })}`, { signal }),
    // Keep the old page on screen while the next one loads, so the table does not jump.
    placeholderData: keepPreviousData,
  })
}

export function useSubmission(id: string) {
  return useQuery({
    queryKey: [...submissionsKey, 'one', id],
    queryFn: ({ signal }) => api<Submission>(path(id), { signal }),
  })
}

export function useSubmissionEvents(id: string) {
  return useQuery({
    queryKey: [...submissionsKey, 'one', id, 'events'],
    queryFn: ({ signal }) => api<{ items: SubmissionEvent[] }>(path(id, '/events'), { signal }),
    select: (data) => data.items,
  })
}

/**
 * Every change to a submission can move it in lists, charts and its own timeline. The answer
 * is the submission as it now is, shown at once; everything else refreshes in the background.
 * Not awaiting the refresh matters: a caller's own onSuccess must run while its component is
 * still mounted, before the refreshed state (say, withdrawn) replaces the controls that asked.
 */
function useSubmissionChange<TInput>(call: (input: TInput) => Promise<Submission>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: call,
    onSuccess: (submission) => {
      client.setQueryData([...submissionsKey, 'one', submission.id], submission)
      void client.invalidateQueries({ queryKey: submissionsKey })
      void client.invalidateQueries({ queryKey: ['notifications'] })
    },
  })
}

export function useRegisterSubmission() {
  return useSubmissionChange((body: NewSubmission) =>
    api<Submission>('/api/submissions', { method: 'POST', body }),
  )
}

export function useWithdraw(id: string) {
  return useSubmissionChange((body: { reason: string }) =>
    api<Submission>(path(id, '/withdraw'), { method: 'POST', body }),
  )
}

export function useReschedule(id: string) {
  return useSubmissionChange((body: Revised<Reschedule>) =>
    api<Submission>(path(id, '/reschedule'), { method: 'POST', body }),
  )
}

export function useAccept(id: string) {
  return useSubmissionChange((body: Revised<{ reason?: string }>) =>
    api<Submission>(path(id, '/accept'), { method: 'POST', body }),
  )
}

export type TransitionTarget = 'determined' | 'partner_access' | 'released'

export function useTransition(id: string) {
  return useSubmissionChange((body: Revised<{ to: TransitionTarget; reason?: string }>) =>
    api<Submission>(path(id, '/transition'), { method: 'POST', body }),
  )
}
