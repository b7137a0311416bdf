/** Public advisory pages, open without signing in: the list of published advisories and one advisory. */
import { Button, Table } from '@trussworks/react-uswds'
import { useState } from 'react'
import type { Session } from '../../accounts/session.ts'
import { hasRole } from '../../accounts/session.ts'
import { formatDate } from '../../platform/format.ts'
import { Page } from '../../platform/Page.tsx'
import { ProblemAlert } from '../../platform/ProblemAlert.tsx'
import { Link } from '../../platform/router.tsx'
import { TlpTag } from '../Tags.tsx'
import { type Advisory, STATUS_LABELS, severity, useAdvisory, usePublicAdvisories } from './api.ts'

const PAGE = 25

function Severity({ a }: { a: Advisory }) {
  const s = a.content.cvss31 ?? a.content.cvss40
  if (!s) return <span className="usa-hint">not scored</span>
  return (
    <span>
      {s.score.toFixed(1)} {severity(s.score)}
    </span>
  )
}

export function PublicAdvisoriesPage() {
  const [offset, setOffset] = useState(0)
  const list = usePublicAdvisories({ limit: PAGE, offset })
  return (
    <Page
      title="Security advisories"
      lead={
        <>
          Vulnerabilities disclosed through the clearinghouse, and advisories it carries from other
          publishers. Machine-readable: the{' '}
          <a href="/.well-known/csaf/provider-metadata.json">CSAF provider</a> and an
          osv.dev-compatible API at <code>/v1/query</code>.
        </>
      }
    >
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table fullWidth striped>
        <caption className="usa-sr-only">Published advisories, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Advisory</th>
            <th scope="col">Title</th>
            <th scope="col">CVE</th>
            <th scope="col">Severity</th>
            <th scope="col">Published</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((a) => (
            <tr key={a.id}>
              <td>
                <Link to={`/advisories/${encodeURIComponent(a.id)}`}>{a.id}</Link>
              </td>
              <td>{a.content.title}</td>
              <td>{a.cveId ?? '—'}</td>
              <td>
                <Severity a={a} />
              </td>
              <td>{a.publishedAt ? formatDate(a.publishedAt) : ''}</td>
            </tr>
          ))}
          {list.data?.items.length === 0 ? (
            <tr>
              <td colSpan={5}>No advisories are published yet.</td>
            </tr>
          ) : null}
        </tbody>
      </Table>
      {list.data && list.data.total > PAGE ? (
        <div className="ew-pager">
          <Button
            type="button"
            outline
            disabled={offset === 0}
            onClick={() => setOffset(offset - PAGE)}
          >
            Newer
          </Button>
          <Button
            type="button"
            outline
            disabled={offset + PAGE >= list.data.total}
            onClick={() => setOffset(offset + PAGE)}
          >
            Older
          </Button>
        </div>
      ) : null}
    </Page>
  )
}

/** Where the machine-readable forms of a published TLP:CLEAR advisory live. */
function Downloads({ a }: { a: Advisory }) {
  if (a.state !== 'published' || a.tlp !== 'CLEAR') return null
  const year = new Date(a.publishedAt!).getUTCFullYear()
  const file = `${a.id.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`
  const csaf = `/.well-known/csaf/white/${year}/${file}`
  return (
    <section aria-labelledby="downloads">
      <h2 id="downloads">Machine-readable</h2>
      <ul>
        <li>
          <a href={csaf}>CSAF 2.0</a> (<a href={`${csaf}.sha256`}>SHA-256</a>,{' '}
          <a href={`${csaf}.sha512`}>SHA-512</a>)
        </li>
        <li>
          <a href={`/v1/vulns/${encodeURIComponent(a.osvId)}`}>OSV</a>
        </li>
      </ul>
    </section>
  )
}

export function AdvisoryPage({ id, session }: { id: string; session: Session }) {
  const q = useAdvisory(id)
  const staff = hasRole(session, 'analyst') || hasRole(session, 'admin')
  if (q.error)
    return (
      <Page title="Advisory not found">
        <p>No published advisory {id} is visible to you.</p>
        <Link to="/advisories">All advisories</Link>
      </Page>
    )
  const a = q.data
  if (!a) return <p aria-live="polite">Loading…</p>
  const c = a.content
  return (
    <Page
      title={c.title}
      lead={
        <>
          {a.id}
          {a.cveId ? ` · ${a.cveId}` : ''} · <TlpTag tlp={a.tlp} />{' '}
          {a.state === 'published' && a.publishedAt
            ? `· published ${formatDate(a.publishedAt)}`
            : `· ${a.state}${a.publishAt ? `, disclosure ${formatDate(a.publishAt)}` : ''}`}
        </>
      }
      actions={
        staff ? (
          <Link className="usa-button" to={`/clearinghouse/advisories/${encodeURIComponent(a.id)}`}>
            Edit
          </Link>
        ) : null
      }
    >
      <p className="usa-intro">{c.summary}</p>
      <p style={{ whiteSpace: 'pre-wrap' }}>{c.details}</p>
      <dl className="ew-facts">
        <dt>Severity</dt>
        <dd>
          {c.cvss31
            ? `CVSS 3.1 ${c.cvss31.score.toFixed(1)} (${severity(c.cvss31.score)}) ${c.cvss31.vector}`
            : null}
          {c.cvss31 && c.cvss40 ? <br /> : null}
          {c.cvss40
            ? `CVSS 4.0 ${c.cvss40.score.toFixed(1)} (${severity(c.cvss40.score)}) ${c.cvss40.vector}`
            : null}
          {!c.cvss31 && !c.cvss40 ? 'not scored' : null}
        </dd>
        <dt>Weakness</dt>
        <dd>{c.cwes.join(', ') || '—'}</dd>
        {c.aliases.length > 0 ? (
          <>
            <dt>Also known as</dt>
            <dd>{c.aliases.join(', ')}</dd>
          </>
        ) : null}
      </dl>
      <h2>Products</h2>
      <Table fullWidth>
        <thead>
          <tr>
            <th scope="col">Vendor</th>
            <th scope="col">Product</th>
            <th scope="col">Versions</th>
            <th scope="col">Status</th>
            <th scope="col">Remediation / statement</th>
          </tr>
        </thead>
        <tbody>
          {c.products.map((p) => (
            <tr key={`${p.vendor}|${p.name}|${p.versionRange}|${p.status}`}>
              <td>{p.vendor}</td>
              <td>
                {p.name}
                {p.purl ? (
                  <>
                    <br />
                    <code>{p.purl}</code>
                  </>
                ) : null}
              </td>
              <td>
                <code>{p.versionRange}</code>
              </td>
              <td>
                {STATUS_LABELS[p.status]}
                {p.fixedVersion ? ` in ${p.fixedVersion}` : ''}
                {p.justification ? ` (${p.justification.replaceAll('_', ' ')})` : ''}
              </td>
              <td>{p.statement ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      {c.credits.length > 0 ? (
        <>
          <h2>Credits</h2>
          <ul>
            {c.credits.map((x) => (
              <li key={x.name}>
                {x.name}
                {x.orgName ? `, ${x.orgName}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {c.references.length > 0 ? (
        <>
          <h2>References</h2>
          <ul>
            {c.references.map((r) => (
              <li key={r.url}>
                <a href={r.url} rel="noreferrer noopener">
                  {r.summary || r.url}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {a.history.length > 0 ? (
        <>
          <h2>Revision history</h2>
          <ol>
            {a.history.map((h) => (
              <li key={h.number}>
                {formatDate(h.at)}: {h.summary}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <Downloads a={a} />
    </Page>
  )
}
