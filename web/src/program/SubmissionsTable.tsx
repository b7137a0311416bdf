/** The submissions table: sorted, filtered and paged by the server; the headers sort. */
import { Icon } from '@trussworks/react-uswds'
import { formatDate, formatDateTime } from '../platform/format.ts'
import { Link } from '../platform/router.tsx'
import type { SortKey, Submission, SubmissionQuery } from './api.ts'
import { StateTag } from './StateTag.tsx'
import { windowCell, windowStatus } from './window.ts'

interface Column {
  label: string
  sort?: SortKey
}

const COLUMNS: Column[] = [
  { label: 'Model', sort: 'modelName' },
  { label: 'Version' },
  { label: 'Lab', sort: 'labName' },
  { label: 'State', sort: 'state' },
  { label: 'Partner release' },
  { label: 'Public release' },
  { label: 'Review window', sort: 'closesAt' },
  { label: 'Days left' },
]

interface Props {
  items: Submission[]
  query: SubmissionQuery
  onSort: (sort: SortKey, order: 'asc' | 'desc') => void
  busy: boolean
}

export function SubmissionsTable({ items, query, onSort, busy }: Props) {
  return (
    <div className="usa-table-container--scrollable ew-table-wrap" aria-busy={busy}>
      <table className="usa-table usa-table--borderless usa-table--compact ew-table width-full">
        <caption className="usa-sr-only">
          Submissions
          {query.sort
            ? `, sorted by ${COLUMNS.find((c) => c.sort === query.sort)?.label ?? query.sort}`
            : ''}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <HeaderCell key={c.label} column={c} query={query} onSort={onSort} />
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id}>
              <th scope="row">
                <Link
                  to={`/submissions/${encodeURIComponent(s.id)}`}
                  className="usa-link text-bold"
                >
                  {s.modelName}
                </Link>
              </th>
              <td>{s.modelVersion}</td>
              <td>{s.labName}</td>
              <td>
                <StateTag state={s.state} />
              </td>
              <td title={formatDateTime(s.partnerReleaseAt)}>{formatDate(s.partnerReleaseAt)}</td>
              <td title={formatDateTime(s.publicReleaseAt)}>{formatDate(s.publicReleaseAt)}</td>
              <td className="text-no-wrap">{windowCell(s)}</td>
              <td className="text-no-wrap">{windowStatus(s.window, s.state)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function HeaderCell({
  column,
  query,
  onSort,
}: {
  column: Column
  query: SubmissionQuery
  onSort: Props['onSort']
}) {
  if (!column.sort) return <th scope="col">{column.label}</th>
  const active = query.sort === column.sort
  const order = active ? (query.order ?? 'asc') : undefined
  const next = active && order === 'asc' ? 'desc' : 'asc'
  const SortIcon =
    order === 'asc' ? Icon.ArrowUpward : order === 'desc' ? Icon.ArrowDownward : Icon.UnfoldMore
  return (
    // aria-sort goes on the sorted column only (USWDS also highlights any header that has it).
    <th
      scope="col"
      aria-sort={order === 'asc' ? 'ascending' : order === 'desc' ? 'descending' : undefined}
    >
      <button
        type="button"
        className="usa-button usa-button--unstyled ew-sort"
        onClick={() => onSort(column.sort!, next)}
        title={`Sort by ${column.label.toLowerCase()}, ${next === 'asc' ? 'ascending' : 'descending'}`}
      >
        {column.label}
        <SortIcon
          aria-hidden="true"
          focusable={false}
          className={active ? 'ew-sort__icon is-active' : 'ew-sort__icon'}
        />
      </button>
    </th>
  )
}
