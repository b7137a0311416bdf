/** The evaluation engine's API as the web UI reads it: runs, live progress, reports with CIs, samples and transcripts. */
import { useQuery } from '@tanstack/react-query'
import { api, queryString } from '../api.ts'

export type RunStatus = 'running' | 'completed' | 'failed' | 'stopped'

export interface Run {
  id: string
  taskRef: string
  taskName: string
  taskVersion: number
  model: string
  baseUrl: string | null
  config: {
    epochs: number
    reducer: string
    maxConnections: number
    maxSamples: number
    [k: string]: unknown
  }
  epochs: number
  totalUnits: number
  status: RunStatus
  statusReason: string | null
  label: string | null
  createdBy: string | null
  createdAt: string
  finishedAt: string | null
}

export interface Progress {
  status: RunStatus
  statusReason: string | null
  done: number
  total: number
  errors: number
  inputTokens: number
  outputTokens: number
  cost: number
  rate: number
  etaSeconds: number | null
}

/** Mean, SE and intervals; NaN travels as null in JSON. */
export interface Estimate {
  n: number
  mean: number | null
  se: number | null
  clustered: boolean
  ci: [number | null, number | null]
  bootstrap: [number | null, number | null]
}

export interface ScorerSummary {
  scorer: string
  overall: Estimate & { lowerBound: number | null; upperBound: number | null }
  byCategory: Array<{ category: string; estimate: Estimate }>
}

export interface Report {
  run: Run
  progress: Progress
  summary: {
    units: number
    samples: number
    errors: number
    reducer: string
    scorers: ScorerSummary[]
  }
  categories: string[]
}

export interface SampleRow {
  sampleId: string
  epoch: number
  scores: Record<string, { value: number; answer?: string; explanation: string }>
  score: number | null
  category: string | null
  difficulty: string | null
  inputTokens: number
  outputTokens: number
  toolCalls: number
  messages: number
  limitKind: string | null
  error: string | null
  totalMs: number
  workingMs: number
}

export interface Transcript {
  sampleId: string
  epoch: number
  model: string
  input: string
  target: string[]
  choices?: string[]
  metadata: Record<string, unknown>
  output: string
  scores: Record<string, { value: number; answer?: string; explanation: string }>
  messages: Array<{
    role: string
    content: string
    toolCalls?: Array<{ id: string; name: string; arguments: Record<string, unknown> }>
    toolName?: string
    error?: string
  }>
  events: Array<{ t: number; type: string; data: Record<string, unknown> }>
  usage: { inputTokens: number; outputTokens: number }
  toolCalls: number
  totalMs: number
  workingMs: number
  limit?: { kind: string; limit: number; value: number }
  error?: string
}

export interface SampleFilters {
  category?: string
  outcome?: 'correct' | 'incorrect' | 'error' | 'limit'
  epoch?: number
  q?: string
  offset?: number
}

export function useRuns() {
  return useQuery({
    queryKey: ['evals', 'runs'],
    queryFn: () =>
      api<{ items: Array<Run & { done: number; errors: number }>; total: number }>(
        '/api/evals/runs?limit=100',
      ),
    refetchInterval: 5000,
  })
}

export function useReport(id: string) {
  return useQuery({
    queryKey: ['evals', 'run', id],
    queryFn: () => api<Report>(`/api/evals/runs/${id}`),
    // Live while the run goes on; still once it has ended.
    refetchInterval: (q) => (q.state.data?.run.status === 'running' ? 1500 : false),
  })
}

export function useSamples(id: string, f: SampleFilters, live: boolean) {
  return useQuery({
    queryKey: ['evals', 'samples', id, f],
    queryFn: () =>
      api<{ items: SampleRow[]; total: number }>(
        `/api/evals/runs/${id}/samples${queryString({ category: f.category, outcome: f.outcome, epoch: f.epoch, q: f.q, offset: f.offset, limit: 25 })}`,
      ),
    refetchInterval: live ? 3000 : false,
    placeholderData: (prev) => prev,
  })
}

export function useTranscript(id: string, sampleId: string, epoch: number) {
  return useQuery({
    queryKey: ['evals', 'transcript', id, sampleId, epoch],
    queryFn: () =>
      api<Transcript>(`/api/evals/runs/${id}/samples/${encodeURIComponent(sampleId)}/${epoch}`),
  })
}

export const pct = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`
