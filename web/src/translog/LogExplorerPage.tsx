/**
 * The log explorer: every entry of the public log, filtered by kind and date, oldest first.
 * Filters live in the URL, so a view can be bookmarked and shared. Open to everyone.
 */
import { Alert, AlertText, Button, Label, Pagination, Select } from '@trussworks/react-uswds'
import type { ChangeEvent } from 'react'
import { queryString } from '../api.ts'
import { formatDateTime, plural } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link, navigate, useLocation } from '../platform/router.tsx'
import { ENTRY_TYPES, type EntryType, entryTypeLabel, type LogEntry, useEntries } from './api.ts'

const PAGE_SIZE = 25
const DATE = /^\d{4}-\d{2}-\d{2}$/

interface Filters {
  type?: EntryType | undefined
  /** Calendar days in the visitor's time zone, `YYYY-MM-DD`; `to` is included. */
  from?: string | undefined
  to?: string | undefined
  page: number
}

function readFilters(search: URLSearchParams): Filters {
  const type = search.get('type') ?? ''
  const from = search.get('from') ?? ''
  const to = search.get('to') ?? ''
  const page = Number.parseInt(search.get('page') ?? '1', 10)
  return {
    type: (ENTRY_TYPES as string[]).includes(type) ? (type as EntryType) : undefined,
    from: DATE.test(from) ? from : undefined,
    to: DATE.test(to) ? to : undefined,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  }
}

function show(f: Filters) {
  navigate(
    `/log-explorer${queryString({ type: f.type, from: f.from, to: f.to, page: f.page > 1 ? f.page : undefined })}`,
  )
}

/** The start of a local calendar day as an instant; `plusDays` 1 gives the end of an inclusive range. */
function dayStart(day: string | undefined, plusDays = 0): string | undefined {
  if (!day) return undefined
  const [y, m, d] = day.split('-').map(Number)
  const t = new Date(y!, m! - 1, d! + plusDays)
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString()
}

export function LogExplorerPage() {
  const { search } = useLocation()
  const filters = readFilters(search)
  const offset = (filters.page - 1) * PAGE_SIZE
  const entries = useEntries({
    type: filters.type,
    from: dayStart(filters.from),
    to: dayStart(filters.to, 1),
    limit: PAGE_SIZE,
    offset,
  })
  const items = entries.data?.items ?? []
  const total = entries.data?.total ?? 0
  const totalPages = Math.max(1, Math.ceil(total / PAGE_SIZE))
  const filtered = Boolean(filters.type || filters.from || filters.to)

  return (
    <Page
      title="Log explorer"
      lead="Every entry of the program’s public, append-only log. Open one to read exactly what was recorded and to check, in your own browser, that it is in the signed log."
      actions={
        <Link to="/transparency" className="usa-button usa-button--outline">
          Transparency report
        </Link>
      }
    >
      <FilterBar filters={filters} />
      <ProblemAlert error={entries.error} />
      {entries.isPending ? <p aria-live="polite">Loading entries…</p> : null}
      {entries.data && total === 0 ? (
        <Alert type="info" slim className="margin-top-2">
          <AlertText>
            {filtered ? 'No entries match these filters.' : 'The log has no entries yet.'}
          </AlertText>
        </Alert>
      ) : null}
      {items.length > 0 ? (
        <section aria-labelledby="entries-heading" className="ew-panel">
          <div className="ew-panel__head">
            <h2 id="entries-heading" className="ew-panel__title">
              Entries
            </h2>
            <p className="ew-panel__meta" aria-live="polite">
              Showing {offset + 1}–{offset + items.length} of {plural(total, 'entry', 'entries')},
              oldest first
            </p>
          </div>
          <EntriesTable items={items} busy={entries.isFetching} />
          {totalPages > 1 ? (
            <Pagination
              pathname="/log-explorer"
              aria-label="Entry pages"
              currentPage={filters.page}
              totalPages={totalPages}
              onClickPrevious={() => show({ ...filters, page: filters.page - 1 })}
              onClickNext={() => show({ ...filters, page: filters.page + 1 })}
              onClickPageNumber={(_e: unknown, page: number) => show({ ...filters, page })}
            />
          ) : null}
        </section>
      ) : null}
    </Page>
  )
}

function EntriesTable({ items, busy }: { items: LogEntry[]; busy: boolean }) {
  return (
    <div className="usa-table-container--scrollable" aria-busy={busy}>
      <table className="usa-table usa-table--borderless width-full ew-table">
        <caption className="usa-sr-only">Log entries, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Index</th>
            <th scope="col">Decision</th>
            <th scope="col">Recorded</th>
            <th scope="col">About</th>
            <th scope="col">Decided by</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.index}>
              <th scope="row">
                <Link to={`/log-explorer/${e.index}`} className="usa-link">
                  <span className="usa-sr-only">Entry </span>
                  {e.index}
                </Link>
              </th>
              <td>{entryTypeLabel(e.type)}</td>
              <td>{formatDateTime(e.at)}</td>
              <td>{describeSubjects(e)}</td>
              <td>{describeActor(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A short human line for what an entry is about: the model and lab when the data names them. */
export function describeSubjects(e: LogEntry): string {
  const d = e.entry.data
  if (typeof d.modelName === 'string')
    return [d.modelName, d.modelVersion, typeof d.labName === 'string' ? `(${d.labName})` : '']
      .filter(Boolean)
      .join(' ')
  return e.entry.subjects.map((s) => `${s.kind} ${s.id}`).join(', ')
}

export function describeActor(e: LogEntry): string {
  return `${e.entry.actor.role.replace(/_/g, ' ')} of ${e.entry.actor.orgId}`
}

function FilterBar({ filters }: { filters: Filters }) {
  const set = (patch: Partial<Filters>) => show({ ...filters, ...patch, page: 1 })
  return (
    <form className="ew-filters" aria-label="Filter entries" onSubmit={(e) => e.preventDefault()}>
      <div className="ew-filters__field">
        <Label htmlFor="filter-type">Decision</Label>
        <Select
          id="filter-type"
          name="type"
          value={filters.type ?? ''}
          onChange={(e: ChangeEvent<HTMLSelectElement>) =>
            set({ type: (e.target.value || undefined) as EntryType | undefined })
          }
        >
          <option value="">All decisions</option>
          {ENTRY_TYPES.map((t) => (
            <option key={t} value={t}>
              {entryTypeLabel(t)}
            </option>
          ))}
        </Select>
      </div>
      <div className="ew-filters__field">
        <Label htmlFor="filter-from">From</Label>
        <input
          id="filter-from"
          className="usa-input"
          type="date"
          value={filters.from ?? ''}
          onChange={(e) => set({ from: e.target.value || undefined })}
        />
      </div>
      <div className="ew-filters__field">
        <Label htmlFor="filter-to">To (included)</Label>
        <input
          id="filter-to"
          className="usa-input"
          type="date"
          value={filters.to ?? ''}
          onChange={(e) => set({ to: e.target.value || undefined })}
        />
      </div>
      {filters.type || filters.from || filters.to ? (
        <Button
          type="button"
          unstyled
          className="ew-filters__clear"
          onClick={() => show({ page: 1 })}
        >
          Clear filters
        </Button>
      ) : null}
    </form>
  )
}
