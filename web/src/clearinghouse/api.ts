/** The clearinghouse as the API serves it: reports, the triage queue, disclosure cases and their threads. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, queryString } from '../api.ts'

export const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type Tlp = (typeof TLP_LABELS)[number]
export const REPORT_STATES = [
  'new',
  'triaging',
  'validated',
  'not_reproducible',
  'duplicate',
  'out_of_scope',
] as const
export type ReportState = (typeof REPORT_STATES)[number]
export const VEX_STATUSES = [
  'known_affected',
  'known_not_affected',
  'fixed',
  'under_investigation',
] as const
export type VexStatus = (typeof VEX_STATUSES)[number]
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const

export interface Product {
  purl?: string
  cpe?: string
  vendor?: string
  product?: string
  versions?: string
}
export interface FoundWith {
  method: 'model' | 'tool' | 'manual'
  submissionId?: string
  grantId?: string
  tool?: string
}
export interface Sla {
  kind: 'triage' | 'vendor_contact'
  dueAt: string
  state: 'met' | 'open' | 'overdue' | 'missed'
}
export interface DuplicateHint {
  id: string
  title: string
  state: ReportState
  match: 'fingerprint' | 'product_weakness'
}
export interface Attachment {
  id: string
  filename: string
  mediaType: string
  size: number
  tlp: Tlp
  createdAt: string
}
export interface Report {
  id: string
  title: string
  description: string
  reproduction: string
  product: Product
  productKey: string
  cwe: string | null
  cveIds: string[]
  cvss31: { vector: string; score: number } | null
  cvss40: { vector: string; score: number } | null
  foundWith: FoundWith
  finding: {
    tool: string
    ruleId: string
    message: string
    location: { uri: string | null; startLine: number | null }
    partialFingerprints: Record<string, string>
    fingerprints: Record<string, string>
  } | null
  ai: {
    origin: string | null
    exploitability: 'demonstrated' | 'poc' | 'theoretical' | null
    attackerPosition: string | null
    evidence: Array<{ summary: string; strength: string | null; backing: string[] }>
    confidence: number | null
  } | null
  reporterName: string
  reporterOrgName: string
  creditWanted: boolean
  state: ReportState
  duplicateOf: string | null
  assigneePersonId: string | null
  assigneeName: string | null
  ssvc: {
    inputs: Record<string, string>
    decision: 'track' | 'track*' | 'attend' | 'act'
    kev: boolean
  } | null
  caseId: string | null
  receivedAt: string
  sla: Sla[]
  likelyDuplicates?: DuplicateHint[]
  credits?: Array<{ reportId: string; name: string; orgName: string; wanted: boolean }>
  attachments?: Attachment[]
}
export interface Receipt {
  id: string
  state: ReportState
  statusUrl: string
  webUrl: string
  created: boolean
  likelyDuplicates: DuplicateHint[]
}
export interface Participant {
  id: string
  orgId: string
  orgName: string
  orgKind: string
  personName: string | null
  role: 'coordinator' | 'reporter' | 'vendor' | 'client'
  publishConsentAt: string | null
}
export interface Vex {
  vendorOrgId: string
  vendorName: string
  product: string
  versionRange: string
  status: VexStatus
  justification: string | null
  fixedVersion: string | null
  statement: string
  updatedAt: string
}
export interface EmbargoEvent {
  id: number
  at: string
  kind: string
  fromDate: string | null
  toDate: string | null
  reason: string
  requestId: number | null
}
export interface Case {
  id: string
  title: string
  tlp: Tlp
  state: 'open' | 'closed'
  vendorContactAt: string | null
  embargoEndsAt: string | null
  embargoDaysLeft: number | null
  exploited: boolean
  participants: Participant[]
  reports: Array<{
    id: string
    title: string
    state: ReportState
    cwe: string | null
    productKey: string
  }>
  vex: Vex[]
  embargo: EmbargoEvent[]
  myRoles: Participant['role'][]
}
export interface Message {
  id: string
  authorName: string
  authorOrgName: string
  authorRole: string
  tlp: Tlp
  body: string
  createdAt: string
}

export interface QueueQuery {
  state?: ReportState
  exploitability?: 'demonstrated' | 'poc' | 'theoretical'
  q?: string
  limit: number
  offset: number
}

const key = ['clearinghouse'] as const
const base = '/api/clearinghouse'

export function useReports(query: QueueQuery) {
  return useQuery({
    queryKey: [...key, 'reports', query],
    queryFn: ({ signal }) =>
      api<{ items: Report[]; total: number }>(`${base}/reports${queryString({ ...query })}`, {
        signal,
      }),
    placeholderData: keepPreviousData,
  })
}

export function useReport(id: string) {
  return useQuery({
    queryKey: [...key, 'report', id],
    queryFn: ({ signal }) => api<Report>(`${base}/reports/${encodeURIComponent(id)}`, { signal }),
  })
}

export function useCases() {
  return useQuery({
    queryKey: [...key, 'cases'],
    queryFn: ({ signal }) => api<{ items: Case[] }>(`${base}/cases`, { signal }),
    select: (d) => d.items,
  })
}

export function useCase(id: string) {
  return useQuery({
    queryKey: [...key, 'case', id],
    queryFn: ({ signal }) => api<Case>(`${base}/cases/${encodeURIComponent(id)}`, { signal }),
  })
}

export function useMessages(id: string) {
  return useQuery({
    queryKey: [...key, 'case', id, 'messages'],
    queryFn: ({ signal }) =>
      api<{ items: Message[] }>(`${base}/cases/${encodeURIComponent(id)}/messages`, { signal }),
    select: (d) => d.items,
  })
}

/** Every change may move reports and cases in several lists: refresh them all. */
export function useChange<TInput, TOut>(call: (input: TInput) => Promise<TOut>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: call,
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  })
}

export const post = <T>(path: string, body: unknown) =>
  api<T>(`${base}${path}`, { method: 'POST', body })

export const put = <T>(path: string, body: unknown) =>
  api<T>(`${base}${path}`, { method: 'PUT', body })

/** The operators a case allows to receive its embargoed advisory, with every decision. */
export interface AllowedOperators {
  caseId: string
  orgIds: string[]
  history: Array<{
    id: number
    at: string
    orgIds: string[]
    reason: string
    actorPersonId: string
    actorOrgId: string
  }>
}

export function useAllowedOperators(caseId: string) {
  return useQuery({
    queryKey: [...key, 'case', caseId, 'operators'],
    queryFn: ({ signal }) =>
      api<AllowedOperators>(`${base}/cases/${encodeURIComponent(caseId)}/operators`, { signal }),
  })
}

/** Every operator organisation (program staff), to choose from. */
export function useOperatorDirectory() {
  return useQuery({
    queryKey: ['inventory', 'operators'],
    queryFn: ({ signal }) =>
      api<{ items: Array<{ orgId: string; orgName: string; sector: string; region: string }> }>(
        '/api/inventory/operators',
        { signal },
      ),
    select: (d) => d.items,
  })
}

/** TLP:AMBER and stricter: an advisory under such a label goes only to the operators a case allows. */
export const EMBARGOED_TLP: readonly Tlp[] = ['AMBER', 'AMBER+STRICT', 'RED']

export const stateLabel = (s: string) => s.replaceAll('_', ' ')
