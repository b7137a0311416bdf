/**
 * Program overview: where every submission stands and how long each review window has left.
 * The filters live in the URL, so a view can be bookmarked, shared and reached with Back.
 */
import {
  Alert,
  AlertText,
  Button,
  Label,
  Pagination,
  Select,
  TextInput,
} from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useEffect, useState } from 'react'
import { hasRole, PROGRAM_READERS, roleLabel, type Session } from '../accounts/session.ts'
import { queryString } from '../api.ts'
import { plural } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link, navigate, useLocation } from '../platform/router.tsx'
import { SORT_KEYS, type SortKey, type SubmissionQuery, useSubmissions } from './api.ts'
import { SubmissionsTable } from './SubmissionsTable.tsx'
import { STATE_INFO, SUBMISSION_STATES, type SubmissionState } from './states.ts'
import { WindowsTimeline } from './WindowsTimeline.tsx'

const PAGE_SIZE = 10

interface Filters {
  state?: SubmissionState
  q?: string
  sort?: SortKey
  order?: 'asc' | 'desc'
  page: number
}

function readFilters(search: URLSearchParams): Filters {
  const state = search.get('state')
  const sort = search.get('sort')
  const order = search.get('order')
  const page = Number.parseInt(search.get('page') ?? '1', 10)
  return {
    state: (SUBMISSION_STATES as readonly string[]).includes(state ?? '')
      ? (state as SubmissionState)
      : undefined,
    q: search.get('q') || undefined,
    sort: (SORT_KEYS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : undefined,
    order: order === 'asc' || order === 'desc' ? order : undefined,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  }
}

function showFilters(f: Filters) {
  navigate(
    `/${queryString({ state: f.state, q: f.q, sort: f.sort, order: f.order, page: f.page > 1 ? f.page : undefined })}`,
  )
}

export function OverviewPage({ session }: { session: Session }) {
  if (!hasRole(session, ...PROGRAM_READERS)) return <NotInProgram session={session} />
  return <ProgramOverview session={session} />
}

/** Partners, vendors, operators and others hold no role in the registry; say so instead of showing an error. */
function NotInProgram({ session }: { session: Session }) {
  const roles = session.roles.map(roleLabel).join(', ') || 'no role'
  return (
    <Page title="Program overview">
      <Alert type="info" className="margin-bottom-3">
        <AlertText>
          The submissions registry is open to program staff and to lab members, who see their own
          lab’s models. You act for {session.org?.name ?? 'your organisation'} with the role {roles}
          , so there is nothing to list here. Your notifications are under{' '}
          <Link to="/notifications" className="usa-link">
            Notifications
          </Link>
          .
        </AlertText>
      </Alert>
    </Page>
  )
}

function ProgramOverview({ session }: { session: Session }) {
  const { search } = useLocation()
  const filters = readFilters(search)
  const query: SubmissionQuery = {
    state: filters.state,
    q: filters.q,
    sort: filters.sort,
    order: filters.sort ? filters.order : undefined,
    limit: PAGE_SIZE,
    offset: (filters.page - 1) * PAGE_SIZE,
  }
  const submissions = useSubmissions(query)
  const isLab = hasRole(session, 'lab_member')
  const total = submissions.data?.total ?? 0
  const items = submissions.data?.items ?? []
  const totalPages = Math.max(1, Math.ceil(total / PAGE_SIZE))

  return (
    <Page
      title="Program overview"
      lead={
        isLab
          ? `The models ${session.org?.name ?? 'your lab'} has offered for pre-release review, and their review windows.`
          : 'Every model offered for pre-release review, and how long each review window has left.'
      }
      actions={
        isLab ? (
          <Link to="/submissions/new" className="usa-button">
            Register a submission
          </Link>
        ) : null
      }
    >
      <FilterBar filters={filters} />
      <ProblemAlert error={submissions.error} />

      {submissions.isPending ? <p aria-live="polite">Loading submissions…</p> : null}

      {submissions.data && total === 0 ? (
        <Alert type="info" slim className="margin-top-2">
          <AlertText>
            {filters.state || filters.q
              ? 'No submissions match these filters.'
              : isLab
                ? 'Your lab has not registered a submission yet.'
                : 'No lab has registered a submission yet.'}
          </AlertText>
        </Alert>
      ) : null}

      {items.length > 0 ? (
        <>
          <section aria-label="Review windows chart" className="ew-panel">
            <WindowsTimeline submissions={items} />
          </section>
          <section aria-labelledby="submissions-heading" className="ew-panel">
            <div className="ew-panel__head">
              <h2 id="submissions-heading" className="ew-panel__title">
                Submissions
              </h2>
              <p className="ew-panel__meta" aria-live="polite">
                {describeRange(query.offset, items.length, total)}
                {query.sort ? '' : ', newest first'}
              </p>
            </div>
            <SubmissionsTable
              items={items}
              query={query}
              busy={submissions.isFetching}
              onSort={(sort, order) => showFilters({ ...filters, sort, order, page: 1 })}
            />
            {totalPages > 1 ? (
              <Pagination
                pathname="/"
                aria-label="Submission pages"
                currentPage={filters.page}
                totalPages={totalPages}
                onClickPrevious={() => showFilters({ ...filters, page: filters.page - 1 })}
                onClickNext={() => showFilters({ ...filters, page: filters.page + 1 })}
                onClickPageNumber={(_e: unknown, page: number) => showFilters({ ...filters, page })}
              />
            ) : null}
          </section>
        </>
      ) : null}
    </Page>
  )
}

function describeRange(offset: number, count: number, total: number): string {
  if (total === 0) return ''
  return `Showing ${offset + 1}–${offset + count} of ${plural(total, 'submission')}`
}

function FilterBar({ filters }: { filters: Filters }) {
  const [text, setText] = useState(filters.q ?? '')
  // Back and Forward change the URL under us; keep the box in step with it.
  useEffect(() => setText(filters.q ?? ''), [filters.q])

  function submit(e: FormEvent) {
    e.preventDefault()
    showFilters({ ...filters, q: text.trim() || undefined, page: 1 })
  }

  return (
    <form className="ew-filters" aria-label="Filter submissions" onSubmit={submit}>
      <div className="ew-filters__field">
        <Label htmlFor="filter-state">State</Label>
        <Select
          id="filter-state"
          name="state"
          value={filters.state ?? ''}
          onChange={(e: ChangeEvent<HTMLSelectElement>) =>
            showFilters({
              ...filters,
              state: (e.target.value || undefined) as SubmissionState | undefined,
              page: 1,
            })
          }
        >
          <option value="">All states</option>
          {SUBMISSION_STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_INFO[s].label}
            </option>
          ))}
        </Select>
      </div>
      <div className="ew-filters__field ew-filters__search">
        <Label htmlFor="filter-q">Search</Label>
        <div className="ew-filters__row">
          <TextInput
            id="filter-q"
            name="q"
            type="search"
            placeholder="Model, version or lab"
            value={text}
            onChange={(e: ChangeEvent<HTMLInputElement>) => setText(e.target.value)}
          />
          <Button type="submit" className="margin-left-1">
            Search
          </Button>
        </div>
      </div>
      {filters.state || filters.q ? (
        <Button
          type="button"
          unstyled
          className="ew-filters__clear"
          onClick={() => showFilters({ sort: filters.sort, order: filters.order, page: 1 })}
        >
          Clear filters
        </Button>
      ) : null}
    </form>
  )
}
