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
