/** The clearinghouse's pages by path (advisory pages live with the advisories). */
import type { Session } from '../accounts/session.ts'
import { matchPath } from '../platform/router.tsx'
import { CasePage, CasesPage } from './CasePage.tsx'
import { QueuePage } from './QueuePage.tsx'
import { ReportFormPage } from './ReportFormPage.tsx'
import { ReportPage } from './ReportPage.tsx'

export function clearinghousePage(pathname: string, session: Session) {
  if (pathname === '/clearinghouse') return <QueuePage session={session} />
  if (pathname === '/clearinghouse/report') return <ReportFormPage />
  if (pathname === '/clearinghouse/cases') return <CasesPage />
  const report = matchPath('/clearinghouse/reports/:id', pathname)
  if (report) return <ReportPage key={report.id} id={report.id!} session={session} />
  const kase = matchPath('/clearinghouse/cases/:id', pathname)
  if (kase) return <CasePage key={kase.id} id={kase.id!} session={session} />
  return null
}
