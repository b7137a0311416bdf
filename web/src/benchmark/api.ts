/** The controlled benchmark's API as the web app uses it: policy versions, approvals, the vault's shape. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../api.ts'

export const CATEGORY_LABELS: Record<string, string> = {
  vulnerability_discovery: 'Vulnerability discovery',
  exploitation: 'Exploitation',
  network_operations: 'Network operations',
  malware_reverse_engineering: 'Malware and reverse engineering',
  cryptography: 'Cryptography',
  knowledge: 'Knowledge',
}

export interface PolicyDocument {
  title: string
  categories: Record<string, { threshold: number }>
  composite: { threshold: number; weights: Record<string, number> }
  epochs: number
  minSamplesPerCategory: number
  rationale: string
}

export interface PolicyApproval {
  personId: string
  personName: string
  orgId: string
  orgName: string
  role: 'benchmark_custodian' | 'agency_signatory'
  approvedAt: string
  logIndex: number
}

export interface PolicyVersion {
  id: string
  version: number
  document: PolicyDocument
  state: 'draft' | 'active' | 'superseded'
  createdAt: string
  activatedAt: string | null
  supersededAt: string | null
  activationLogIndex: number | null
  approvals: PolicyApproval[]
  quorum: { met: boolean; custodian: boolean; agencies: number; missing: string[] }
}

export interface VaultTask {
  id: string
  key: string
  name: string
  categories: Record<string, number>
  items: number
  retired: number
}

export interface VaultBundle {
  id: string
  name: string
  version: string
  importedAt: string
  tasks: VaultTask[]
}

export interface Exposure {
  itemId: string
  itemKey: string
  taskName: string
  labName: string
  submissionId: string
  runId: string
  shownAt: string
}

const policiesKey = ['benchmark', 'policies'] as const

export function usePolicies() {
  return useQuery({
    queryKey: policiesKey,
    queryFn: () => api<{ items: PolicyVersion[] }>('/api/benchmark/policies'),
  })
}

export function useApprovePolicy() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) =>
      api<PolicyVersion>(`/api/benchmark/policies/${encodeURIComponent(id)}/approvals`, {
        method: 'POST',
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: policiesKey }),
  })
}

export function useDraftPolicy() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (document: unknown) =>
      api<PolicyVersion>('/api/benchmark/policies', { method: 'POST', body: { document } }),
    onSuccess: () => client.invalidateQueries({ queryKey: policiesKey }),
  })
}

export function useBundles() {
  return useQuery({
    queryKey: ['benchmark', 'bundles'],
    queryFn: () => api<{ items: VaultBundle[] }>('/api/benchmark/bundles'),
  })
}

export function useExposures(enabled: boolean) {
  return useQuery({
    queryKey: ['benchmark', 'exposures'],
    queryFn: () => api<{ items: Exposure[] }>('/api/benchmark/exposures'),
    enabled,
  })
}

export function useRotateKeys() {
  return useMutation({
    mutationFn: () =>
      api<{ rewrapped: number; total: number }>('/api/benchmark/keys/rotate', { method: 'POST' }),
  })
}

// ── determinations ───────────────────────────────────────────────────────────────────────────

export type Outcome = 'covered' | 'not_covered' | 'inconclusive'

export const OUTCOME_TEXT: Record<Outcome, string> = {
  covered: 'Covered frontier model',
  not_covered: 'Not a covered frontier model',
  inconclusive: 'Inconclusive',
}

export interface Interval {
  mean: number
  low: number
  high: number
  n: number
}

export interface Measure {
  measure: string
  threshold: number
  estimate: Interval | null
  position: 'above' | 'below' | 'straddles' | 'insufficient' | 'unmeasured'
  samplesNeeded?: number
  note: string
}

export interface Determination {
  id: string
  runId: string
  submissionId: string
  policyId: string
  policyVersion: number
  outcome: Outcome
  measures: Measure[]
  reasons: string[]
  refusals: Record<string, number>
  contamination: { probed: boolean; positive: boolean; detail: string }
  run: {
    samples: number
    epochs: number
    errors: number
    startedAt: string
    finishedAt: string
    model: string
  }
  elicitation: {
    solvability?: { checked: number; passed: number; tasks: number; at: string }
    reference?: {
      model: string
      measures: Array<{ measure: string; estimate: Interval | null }>
      paired: { n: number; diff: number; low: number; high: number; p: number }
      flagged: boolean
      note: string
    }
    skippedTasks?: string[]
  }
  resultsCommitment: string
  logIndex: number
  createdAt: string
}

export interface DeterminationReport {
  determination: Determination
  submission: { id: string; labName: string; modelName: string; modelVersion: string }
  previous: Array<{
    id: string
    submissionId: string
    label: string
    outcome: Outcome
    policyVersion: number
    composite: Interval | null
    createdAt: string
  }>
  baselines: Array<{
    label: string
    measures: Array<{ measure: string; estimate: Interval | null }>
  }>
}

export interface DeterminationSummary {
  id: string
  submissionId: string
  labName: string
  modelName: string
  modelVersion: string
  outcome: Outcome
  policyVersion: number
  composite: Interval | null
  createdAt: string
}

export function useDeterminationReport(id: string) {
  return useQuery({
    queryKey: ['benchmark', 'determination', id],
    queryFn: () => api<DeterminationReport>(`/api/determinations/${encodeURIComponent(id)}/report`),
  })
}

export function useDeterminations() {
  return useQuery({
    queryKey: ['benchmark', 'determinations'],
    queryFn: () => api<{ items: DeterminationSummary[] }>('/api/benchmark/determinations'),
  })
}

export function useSubmissionDeterminations(submissionId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['benchmark', 'submission-determinations', submissionId],
    queryFn: () =>
      api<{ items: Determination[] }>(
        `/api/submissions/${encodeURIComponent(submissionId)}/determinations`,
      ),
    enabled,
  })
}

export const measureLabel = (m: string) =>
  m === 'composite' ? 'Composite' : (CATEGORY_LABELS[m] ?? m)
