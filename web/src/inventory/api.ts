/** Inventories: an operator's systems and findings, and the program's view across sectors. */
import { useQuery } from '@tanstack/react-query'
import { api } from '../api.ts'

export const SECTORS = [
  'healthcare',
  'financial',
  'electricity',
  'water',
  'communications',
  'government',
  'other',
] as const
export type Sector = (typeof SECTORS)[number]

export const SECTOR_LABELS: Record<Sector, string> = {
  healthcare: 'Hospitals and health',
  financial: 'Banks and credit unions',
  electricity: 'Electric utilities',
  water: 'Water utilities',
  communications: 'Communications',
  government: 'Local government',
  other: 'Other',
}

/** USWDS palette colours, distinct in hue and lightness for neighbouring series. */
export const SECTOR_COLORS: Record<Sector, string> = {
  healthcare: '#d83933',
  financial: '#005ea2',
  electricity: '#ffbe2e',
  water: '#00bde3',
  communications: '#5e519e',
  government: '#216e1f',
  other: '#71767a',
}

export interface System {
  id: string
  name: string
  criticality: string
  internetExposed: boolean
  currentSbomVersion: number | null
  componentCount: number
  lastMatchedAt: string | null
}

export interface PatchItem {
  findingId: string
  system: string
  advisoryId: string
  package: string
  ecosystem: string
  versions: string[]
  upgradeTo: string | null
  severity: string
  kev: boolean
  dueAt: string | null
  status: string
}

export interface OperatorDashboard {
  operator: { orgId: string; orgName: string; sector: Sector; size: string; region: string }
  systems: System[]
  bySeverity: Array<{ severity: string; status: string; count: number }>
  byDue: Array<{ bucket: string; count: number }>
  patchFirst: PatchItem[]
}

export interface ProgramDashboard {
  days: number
  exposureOverTime: Array<{ day: string; sector: Sector; operators: number }>
  advisories: Array<{
    advisoryId: string
    severity: string
    kev: boolean
    bySector: Partial<Record<Sector, number>>
    total: number
  }>
  timeToPatch: Array<{
    sector: Sector
    patched: number
    medianDays: number | null
    p90Days: number | null
  }>
}

export function useOperatorDashboard() {
  return useQuery({
    queryKey: ['inventory', 'operator-dashboard'],
    queryFn: () => api<OperatorDashboard>('/api/inventory/dashboard/operator'),
  })
}

export function useProgramDashboard(days: number, advisoryId: string | undefined) {
  const q = new URLSearchParams({ days: String(days), ...(advisoryId ? { advisoryId } : {}) })
  return useQuery({
    queryKey: ['inventory', 'program-dashboard', days, advisoryId ?? null],
    queryFn: () => api<ProgramDashboard>(`/api/inventory/dashboard/program?${q}`),
  })
}
