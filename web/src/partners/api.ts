/** Trusted partners as the API serves them: the directory, selections with their two keys, grants and their usage. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiProblem, api, queryString } from '../api.ts'

export const SECTOR_LABELS = {
  hospital: 'Hospital',
  bank: 'Bank',
  utility: 'Utility',
  water: 'Water',
  energy: 'Energy',
  security_research: 'Security research',
  government: 'Government',
  other: 'Other',
} as const
export type Sector = keyof typeof SECTOR_LABELS

export const REFUSAL_LABELS = {
  conflict_of_interest: 'Conflict of interest',
  vetting_incomplete: 'Vetting not complete',
  security_concern: 'Security concern',
  not_relevant_to_model: 'Not relevant to this model',
  capacity: 'No capacity to support another partner',
  legal_or_contractual: 'Legal or contractual constraint',
  other: 'Other',
} as const
export type RefusalCategory = keyof typeof REFUSAL_LABELS

export type VettingStatus = 'pending' | 'vetted' | 'rejected' | 'suspended'
export type KeyState = 'pending' | 'approved' | 'refused'
export type Party = 'lab' | 'program'
export type SelectionState = 'proposed' | 'effective' | 'refused' | 'appealed' | 'refused_final'
export type Endpoint = 'chat.completions' | 'messages' | 'models'
export const ENDPOINTS: Endpoint[] = ['chat.completions', 'messages', 'models']

export const SELECTION_STATE_LABELS: Record<SelectionState, string> = {
  proposed: 'Awaiting keys',
  effective: 'Selected (both keys)',
  refused: 'Refused',
  appealed: 'Under appeal',
  refused_final: 'Refused (final)',
}

interface Who {
  personId: string
  name: string
}

export interface Partner {
  orgId: string
  name: string
  slug: string
  sector: Sector
  description: string
  website: string | null
  vetting: { status: VettingStatus; reviewer: Who | null; at: string | null; notes: string }
  createdAt: string
  updatedAt: string
}

export interface PartnerDetail extends Partner {
  contacts: Array<{ id: string; name: string; email: string; phone: string | null; title: string }>
  conflicts: Array<{
    id: string
    relatedOrgId: string | null
    relatedOrgName: string | null
    description: string
    declaredBy: string
    declaredAt: string
  }>
  evidence: Array<{
    id: string
    filename: string
    contentType: string
    size: number
    sha256: string
    uploadedBy: string
    uploadedAt: string
  }>
}

export interface KeyView {
  state: KeyState
  by: Who | null
  at: string | null
}

export interface Selection {
  id: string
  submissionId: string
  labOrgId: string
  labName: string
  modelName: string
  modelVersion: string
  partnerOrgId: string
  partnerName: string
  partnerSector: Sector
  proposedBy: { party: Party; personId: string; name: string }
  proposedAt: string
  rationale: string
  keys: Record<Party, KeyView>
  refusal: {
    party: Party
    by: Who
    at: string
    category: RefusalCategory
    reason: string | null
  } | null
  appeal: {
    statement: string
    by: Who
    at: string
    reviewer: Who | null
    outcome: 'upheld' | 'dismissed' | null
    decidedBy: Who | null
    decidedAt: string | null
    decisionCategory: RefusalCategory | null
    decisionReason: string | null
  } | null
  effectiveAt: string | null
  state: SelectionState
}

export interface Limits {
  requestsPerMinute: number
  tokensPerMinute: number
  tokenBudget: number
}

export interface Grant {
  id: string
  selectionId: string
  submissionId: string
  labOrgId: string
  labName: string
  modelName: string
  modelVersion: string
  partnerOrgId: string
  partnerName: string
  windowStart: string
  windowEnd: string
  endpoints: Endpoint[]
  limits: Limits
  keepContent: boolean
  keyHint: string
  status: 'active' | 'paused' | 'revoked'
  pausedBy: Party | null
  revoked: { by: string; at: string; reason: string } | null
  issuedBy: string
  issuedAt: string
  version: number
}

export interface GrantEvent {
  id: number
  at: string
  kind: string
  actor: { name: string; orgName: string } | null
  reason: string | null
}

/**
 * Usage as the gateway meters it (`GET /api/grants/:id/usage`, served by the gateway's routes).
 * Where no gateway is part of the server the route is absent, which pages show as an empty
 * state, not an error.
 */
export interface GrantUsage {
  bucket: 'minute' | 'hour' | 'day'
  totals: {
    requests: number
    errors: number
    inputTokens: number
    outputTokens: number
    lastRequestAt: string | null
    tokenBudget: number
    budgetLeft: number
  }
  series: Array<{
    at: string
    requests: number
    errors: number
    inputTokens: number
    outputTokens: number
  }>
  recent: Array<{
    at: string
    endpoint: string
    model: string | null
    streamed: boolean
    status: number
    errorCode: string | null
    inputTokens: number
    outputTokens: number
    latencyMs: number
    requestId: string
  }>
}

const partnersKey = ['partners'] as const

export function usePartners(filter: { sector?: Sector | undefined } = {}) {
  return useQuery({
    queryKey: [...partnersKey, 'directory', filter],
    queryFn: ({ signal }) =>
      api<{ items: Partner[] }>(`/api/partners${queryString({ ...filter })}`, { signal }),
    select: (d) => d.items,
  })
}

export function usePartner(orgId: string) {
  return useQuery({
    queryKey: [...partnersKey, 'one', orgId],
    queryFn: ({ signal }) =>
      api<PartnerDetail>(`/api/partners/${encodeURIComponent(orgId)}`, { signal }),
  })
}

export function useSelections(submissionId?: string) {
  return useQuery({
    queryKey: [...partnersKey, 'selections', submissionId ?? 'all'],
    queryFn: ({ signal }) =>
      api<{ items: Selection[] }>(`/api/selections${queryString({ submissionId })}`, { signal }),
    select: (d) => d.items,
  })
}

export function useSelection(id: string) {
  return useQuery({
    queryKey: [...partnersKey, 'selection', id],
    queryFn: ({ signal }) =>
      api<Selection>(`/api/selections/${encodeURIComponent(id)}`, { signal }),
  })
}

export function useGrants(filter: { submissionId?: string | undefined } = {}) {
  return useQuery({
    queryKey: [...partnersKey, 'grants', filter],
    queryFn: ({ signal }) =>
      api<{ items: Grant[] }>(`/api/grants${queryString({ ...filter })}`, { signal }),
    select: (d) => d.items,
  })
}

export function useGrant(id: string) {
  return useQuery({
    queryKey: [...partnersKey, 'grant', id],
    queryFn: ({ signal }) => api<Grant>(`/api/grants/${encodeURIComponent(id)}`, { signal }),
  })
}

export function useGrantEvents(id: string) {
  return useQuery({
    queryKey: [...partnersKey, 'grant', id, 'events'],
    queryFn: ({ signal }) =>
      api<{ items: GrantEvent[] }>(`/api/grants/${encodeURIComponent(id)}/events`, { signal }),
    select: (d) => d.items,
  })
}

/**
 * Live usage since the grant was issued, refreshed every 15 seconds while the page is open.
 * The span asked for always runs forward from the issue (at least an hour), so a grant whose
 * window has not opened yet gets an empty series rather than an empty range. Null when this
 * server has no gateway usage route.
 */
export function useGrantUsage(grant: Pick<Grant, 'id' | 'issuedAt'>) {
  return useQuery({
    queryKey: [...partnersKey, 'grant', grant.id, 'usage'],
    queryFn: async ({ signal }) => {
      const from = Date.parse(grant.issuedAt)
      const to = Math.max(Date.now(), from + 3_600_000)
      const query = queryString({
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      })
      try {
        return await api<GrantUsage>(`/api/grants/${encodeURIComponent(grant.id)}/usage${query}`, {
          signal,
        })
      } catch (err) {
        if (err instanceof ApiProblem && err.status === 404) return null
        throw err
      }
    },
    // The grant page asks before the grant itself has loaded; it waits for the issue date.
    enabled: grant.issuedAt !== '',
    refetchInterval: 15_000,
  })
}

/** Any partner change can move the board, the grants and the notifications: refresh them all. */
function usePartnersChange<TInput, TOut>(call: (input: TInput) => Promise<TOut>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: call,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: partnersKey })
      void client.invalidateQueries({ queryKey: ['notifications'] })
    },
  })
}

const post = <T>(path: string, body: unknown) => api<T>(path, { method: 'POST', body })

export function usePropose() {
  return usePartnersChange(
    (b: { submissionId: string; partnerOrgId: string; rationale?: string }) =>
      post<Selection>('/api/selections', b),
  )
}

export function useSelectionAction() {
  return usePartnersChange(
    (a: {
      id: string
      action: 'approve' | 'refuse' | 'appeal' | 'appeal/decision'
      body: object
    }) => post<Selection>(`/api/selections/${encodeURIComponent(a.id)}/${a.action}`, a.body),
  )
}

export function useIssueGrant() {
  return usePartnersChange(
    (b: {
      selectionId: string
      windowStart: string
      windowEnd: string
      endpoints: Endpoint[]
      limits: Limits
      keepContent: boolean
    }) => post<Grant & { key: string }>('/api/grants', b),
  )
}

export function useGrantAction() {
  return usePartnersChange(
    (a: { id: string; action: 'pause' | 'resume' | 'revoke' | 'terms'; body: object }) =>
      post<Grant>(`/api/grants/${encodeURIComponent(a.id)}/${a.action}`, a.body),
  )
}

/** What the server accepts as vetting evidence (checked again there, against the file's first bytes). */
export const EVIDENCE_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'] as const
export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024

/** Base64 of a file's bytes, a slice at a time so a large file does not overflow the argument list. */
async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** Uploads one vetting evidence document; the server stores it encrypted. */
export function useUploadEvidence() {
  return usePartnersChange(async (a: { orgId: string; file: File }) =>
    post<PartnerDetail['evidence'][number]>(
      `/api/partners/${encodeURIComponent(a.orgId)}/evidence`,
      {
        filename: a.file.name,
        contentType: a.file.type,
        contentBase64: await base64Of(a.file),
      },
    ),
  )
}

export function useRecordVetting() {
  return usePartnersChange(
    (a: { orgId: string; status: 'vetted' | 'rejected' | 'suspended'; notes: string }) =>
      post<Partner>(`/api/partners/${encodeURIComponent(a.orgId)}/vetting`, {
        status: a.status,
        notes: a.notes,
      }),
  )
}
