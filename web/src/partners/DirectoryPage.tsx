/** The partner directory: who may be proposed for early access, their sector and where their vetting stands. */
import { Select, Table } from '@trussworks/react-uswds'
import { type ChangeEvent, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { formatDate } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { useSubmissions } from '../program/api.ts'
import { SECTOR_LABELS, type Sector, usePartners } from './api.ts'
import { VettingTag } from './tags.tsx'
import './partners.css'

export function DirectoryPage({ session }: { session: Session }) {
  const [sector, setSector] = useState<Sector | ''>('')
  const partners = usePartners({ sector: sector || undefined })
  const isPartner = session.org?.kind === 'partner'

  return (
    <Page
      title={isPartner ? 'Your partner profile' : 'Trusted partners'}
      lead={
        isPartner
          ? 'Your organisation as the program and labs see it.'
          : 'Organisations that may be given early access to a model. A partner gets access only when the lab and the program both approve it for that model.'
      }
    >
      {isPartner ? null : <BoardPicker session={session} />}
      <section className="ew-panel" aria-labelledby="directory-heading">
        <div className="ew-partners-head">
          <h2 id="directory-heading" className="ew-panel__title margin-0">
            Directory
          </h2>
          {isPartner ? null : (
            <div className="ew-inline-field">
              <label htmlFor="sector-filter" className="usa-label margin-top-0">
                Sector
              </label>
              <Select
                id="sector-filter"
                name="sector"
                value={sector}
                onChange={(e: ChangeEvent<HTMLSelectElement>) =>
                  setSector(e.target.value as Sector | '')
                }
              >
                <option value="">All sectors</option>
                {Object.entries(SECTOR_LABELS).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </Select>
            </div>
          )}
        </div>
        <ProblemAlert error={partners.error} />
        {partners.data && partners.data.length === 0 ? (
          <p>No partners {sector ? 'in this sector ' : ''}are registered yet.</p>
        ) : null}
        {partners.data && partners.data.length > 0 ? (
          <Table fullWidth stackedStyle="default" className="ew-table">
            <thead>
              <tr>
                <th scope="col">Partner</th>
                <th scope="col">Sector</th>
                <th scope="col">Vetting</th>
                <th scope="col">Vetted on</th>
              </tr>
            </thead>
            <tbody>
              {partners.data.map((p) => (
                <tr key={p.orgId}>
                  <th scope="row" data-label="Partner">
                    <Link to={`/partners/${p.orgId}`} className="usa-link">
                      {p.name}
                    </Link>
                    {p.description ? (
                      <div className="ew-muted font-body-3xs">{p.description}</div>
                    ) : null}
                  </th>
                  <td data-label="Sector">{SECTOR_LABELS[p.sector]}</td>
                  <td data-label="Vetting">
                    <VettingTag status={p.vetting.status} />
                  </td>
                  <td data-label="Vetted on">{formatDate(p.vetting.at)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : null}
        {partners.isPending ? <p aria-live="polite">Loading partners…</p> : null}
      </section>
      {hasRole(session, 'program_officer', 'lab_member', 'partner_member') ? (
        <p>
          <Link to="/grants" className="usa-link">
            Access grants and their usage
          </Link>
        </p>
      ) : null}
    </Page>
  )
}

/** Which submission's selection board to open: labs see their own models, the program all. */
function BoardPicker({ session }: { session: Session }) {
  const submissions = useSubmissions({ limit: 200, offset: 0, sort: 'updatedAt', order: 'desc' })
  if (!hasRole(session, 'program_officer', 'lab_member', 'admin', 'auditor')) return null
  const open = (submissions.data?.items ?? []).filter(
    (s) => s.state !== 'withdrawn' && s.state !== 'released',
  )
  return (
    <section className="ew-panel" aria-labelledby="boards-heading">
      <h2 id="boards-heading" className="ew-panel__title">
        Selection boards
      </h2>
      <ProblemAlert error={submissions.error} />
      {open.length === 0 && submissions.data ? (
        <p className="margin-0">No submission is open for partner selection.</p>
      ) : (
        <ul className="usa-list usa-list--unstyled ew-board-links">
          {open.map((s) => (
            <li key={s.id}>
              <Link to={`/submissions/${s.id}/partners`} className="usa-link">
                {s.modelName} {s.modelVersion}
              </Link>{' '}
              <span className="ew-muted">· {s.labName}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
