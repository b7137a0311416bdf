/** Advisories as the API serves them: the public list and pages, the editor, and the export previews. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, queryString } from '../../api.ts'
import type { Tlp, VexStatus } from '../api.ts'

export interface AdvisoryProduct {
  vendor: string
  name: string
  purl: string | null
  cpe: string | null
  versionRange: string
  status: VexStatus
  justification: string | null
  fixedVersion: string | null
  statement: string | null
}

export interface AdvisoryContent {
  title: string
  summary: string
  details: string
  cwes: string[]
  aliases: string[]
  cvss31: { vector: string; score: number } | null
  cvss40: { vector: string; score: number } | null
  products: AdvisoryProduct[]
  credits: Array<{ name: string; orgName: string | null }>
  references: Array<{ url: string; summary: string }>
}

export interface Advisory {
  id: string
  osvId: string
  source: 'case' | 'analyst' | 'csaf' | 'cve'
  caseId: string | null
  cveId: string | null
  tlp: Tlp
  state: 'draft' | 'published' | 'withdrawn'
  content: AdvisoryContent
  publishAt: string | null
  publishedAt: string | null
  createdAt: string
  updatedAt: string
  revision: number
  history: Array<{ number: number; at: string; summary: string }>
  imported: boolean
}

export interface Problem {
  path: string
  message: string
  test: string
}
export interface Validation {
  valid: boolean
  errors: Problem[]
  warnings: Problem[]
}
export interface Exports {
  csaf: unknown
  vex: unknown
  osv: unknown
  cve: unknown | null
  validation: { csaf: Validation; vex: Validation; osv: Validation; cve: Validation | null }
}

const key = ['advisories'] as const

export function usePublicAdvisories(page: { limit: number; offset: number }) {
  return useQuery({
    queryKey: [...key, 'public', page],
    queryFn: ({ signal }) =>
      api<{ items: Advisory[]; total: number }>(`/api/advisories/public${queryString(page)}`, {
        signal,
      }),
    placeholderData: keepPreviousData,
  })
}

export function useAdvisories(query: { state?: string; limit: number; offset: number }) {
  return useQuery({
    queryKey: [...key, 'list', query],
    queryFn: ({ signal }) =>
      api<{ items: Advisory[]; total: number }>(`/api/advisories${queryString(query)}`, { signal }),
    placeholderData: keepPreviousData,
  })
}

export function useAdvisory(id: string) {
  return useQuery({
    queryKey: [...key, 'one', id],
    queryFn: ({ signal }) => api<Advisory>(`/api/advisories/${encodeURIComponent(id)}`, { signal }),
    retry: false,
    enabled: id !== '',
  })
}

export function useExports(id: string, enabled = true) {
  return useQuery({
    queryKey: [...key, 'exports', id],
    queryFn: ({ signal }) =>
      api<Exports>(`/api/advisories/${encodeURIComponent(id)}/exports`, { signal }),
    enabled,
  })
}

/** A mutation that refreshes every advisory query when it succeeds. */
export function useAdvisoryChange<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient()
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: key }) })
}

export const preview = (body: { id?: string; content: AdvisoryContent; tlp: Tlp }) =>
  api<Exports>('/api/advisories/preview', { method: 'POST', body })

export const STATUS_LABELS: Record<VexStatus, string> = {
  known_affected: 'Affected',
  known_not_affected: 'Not affected',
  fixed: 'Fixed',
  under_investigation: 'Under investigation',
}

/** The qualitative rating CVSS 3.1 and 4.0 share. */
export function severity(score: number): string {
  if (score === 0) return 'None'
  if (score < 4) return 'Low'
  if (score < 7) return 'Medium'
  if (score < 9) return 'High'
  return 'Critical'
}

export function emptyContent(): AdvisoryContent {
  return {
    title: '',
    summary: '',
    details: '',
    cwes: [],
    aliases: [],
    cvss31: null,
    cvss40: null,
    products: [emptyProduct()],
    credits: [],
    references: [],
  }
}

export function emptyProduct(): AdvisoryProduct {
  return {
    vendor: '',
    name: '',
    purl: null,
    cpe: null,
    versionRange: '*',
    status: 'known_affected',
    justification: null,
    fixedVersion: null,
    statement: null,
  }
}
