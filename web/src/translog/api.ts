/** The public transparency log as the API serves it: the report, entries, proofs and checkpoints. */
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { ApiProblem, api, queryString } from '../api.ts'

/** Every kind of decision the log records, with the words the pages use for it. */
export const ENTRY_TYPE_LABELS = {
  'submission.registered': 'Submissions registered',
  'submission.accepted': 'Submissions accepted',
  'submission.transitioned': 'Submission state changes',
  'submission.dates_changed': 'Release dates changed',
  'submission.withdrawn': 'Submissions withdrawn',
  'determination.made': 'Determinations',
  'threshold_policy.approved': 'Threshold policies approved',
  'threshold_policy.activated': 'Threshold policies activated',
  'partner.proposed': 'Partners proposed',
  'partner.approved': 'Partners approved',
  'partner.refused': 'Partners refused',
  'partner.appealed': 'Refusals appealed',
  'partner.vetted': 'Partner vetting decisions',
  'grant.issued': 'Access grants issued',
  'grant.changed': 'Access grants paused, resumed or limited',
  'grant.revoked': 'Access grants revoked',
  'report.received': 'Vulnerability reports received',
  'case.opened': 'Cases opened',
  'embargo.set': 'Embargoes set',
  'embargo.changed': 'Embargoes changed',
  'advisory.published': 'Advisories published',
} as const
export type EntryType = keyof typeof ENTRY_TYPE_LABELS
export const ENTRY_TYPES = Object.keys(ENTRY_TYPE_LABELS) as EntryType[]

export function entryTypeLabel(type: string): string {
  return ENTRY_TYPE_LABELS[type as EntryType] ?? type
}

export interface Checkpoint {
  size: number
  root: string
  note: string
  createdAt: string
}

export interface Report {
  size: number
  period: 'day' | 'week'
  totals: Record<EntryType, number>
  determinationsByOutcome: Array<{ outcome: string; count: number }>
  refusalsByReason: Array<{ reasonCategory: string; count: number }>
  series: Array<{ start: string; counts: Record<EntryType, number> }>
  checkpoint: Checkpoint
  verifierKey: string
}

export interface LogEntry {
  index: number
  leafHash: string
  type: EntryType
  at: string
  entry: {
    type: EntryType
    subjects: Array<{ kind: string; id: string }>
    actor: { orgId: string; role: string; personId?: string }
    at: string
    data: Record<string, unknown>
    commitments?: Record<string, string>
  }
  /** The canonical JSON that was hashed, base64. */
  body: string
}

export interface EntryQuery {
  type?: EntryType | undefined
  from?: string | undefined
  to?: string | undefined
  limit: number
  offset: number
}

export function useReport() {
  return useQuery({
    queryKey: ['translog', 'report'],
    queryFn: ({ signal }) => api<Report>('/api/log/report', { signal }),
  })
}

export function useEntries(query: EntryQuery) {
  return useQuery({
    queryKey: ['translog', 'entries', query],
    queryFn: ({ signal }) =>
      api<{ items: LogEntry[]; total: number }>(`/api/log/entries${queryString({ ...query })}`, {
        signal,
      }),
    placeholderData: keepPreviousData,
  })
}

export function useEntry(index: number) {
  return useQuery({
    queryKey: ['translog', 'entry', index],
    queryFn: ({ signal }) => api<LogEntry>(`/api/log/entries/${index}`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  })
}

/** A text document of the tlog-tiles surface, as any tlog client reads it. */
async function logText(path: string, what: string): Promise<string> {
  let res: Response
  try {
    res = await fetch(path, { cache: 'no-store' })
  } catch {
    throw new ApiProblem({
      status: 0,
      title: 'Cannot reach earlywatch',
      detail: 'The server did not answer. Check your connection and try again.',
    })
  }
  if (!res.ok)
    throw new ApiProblem({
      status: res.status,
      title: `No ${what} yet`,
      detail: `The log answered ${res.status} for its ${what}; one is signed within seconds of a change. Try again shortly.`,
    })
  return res.text()
}

/** The latest signed checkpoint note. */
export const fetchCheckpointNote = () => logText('/log/checkpoint', 'signed checkpoint')

/** The note verifier key that signs checkpoints. */
export const fetchVerifierKey = () => logText('/log/verifier-key', 'verifier key')

export interface InclusionProof {
  index: number
  size: number
  leafHash: string
  root: string
  proof: string[]
}

export function fetchInclusionProof(index: number, size: number): Promise<InclusionProof> {
  return api<InclusionProof>(`/api/log/proof/inclusion${queryString({ index, size })}`)
}
