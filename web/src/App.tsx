/**
 * Routes: the public pages (transparency report, log explorer) show to everyone; elsewhere, who
 * is signed in decides between the sign-in page and the application.
 */
import { Button } from '@trussworks/react-uswds'
import { SignInPage } from './accounts/SignInPage.tsx'
import { hasRole, type Session, useSession } from './accounts/session.ts'
import { TokensPage } from './accounts/TokensPage.tsx'
import { AdminPage } from './admin/AdminPage.tsx'
import { DeterminationPage } from './benchmark/DeterminationPage.tsx'
import { DeterminationsPage } from './benchmark/DeterminationsPage.tsx'
import { PoliciesPage } from './benchmark/PoliciesPage.tsx'
import { VaultPage } from './benchmark/VaultPage.tsx'
import { advisoryEditorPage, publicAdvisoryPage } from './clearinghouse/advisories/routes.tsx'
import { clearinghousePage } from './clearinghouse/routes.tsx'
import { RunPage } from './evals/RunPage.tsx'
import { RunsPage } from './evals/RunsPage.tsx'
import { TranscriptPage } from './evals/TranscriptPage.tsx'
import { OperatorDashboardPage } from './inventory/OperatorDashboardPage.tsx'
import { ProgramDashboardPage } from './inventory/ProgramDashboardPage.tsx'
import { NotificationsPage } from './notifications/NotificationsPage.tsx'
import { BoardPage, SelectionPage } from './partners/BoardPage.tsx'
import { DirectoryPage } from './partners/DirectoryPage.tsx'
import { GrantPage, GrantsPage } from './partners/GrantPage.tsx'
import { PartnerPage } from './partners/PartnerPage.tsx'
import { ErrorBoundary } from './platform/ErrorBoundary.tsx'
import { Layout } from './platform/Layout.tsx'
import { Page } from './platform/Page.tsx'
import { ProblemAlert } from './platform/ProblemAlert.tsx'
import { Link, matchPath, useLocation } from './platform/router.tsx'
import { DetailPage } from './program/DetailPage.tsx'
import { OverviewPage } from './program/OverviewPage.tsx'
import { RegisterPage } from './program/RegisterPage.tsx'
import { EntryPage } from './translog/EntryPage.tsx'
import { LogExplorerPage } from './translog/LogExplorerPage.tsx'
import { TransparencyPage } from './translog/TransparencyPage.tsx'

export function App() {
  const session = useSession()
  const { pathname } = useLocation()

  if (session.isPending) {
    return (
      <p className="ew-loading" aria-live="polite">
        Loading earlywatch…
      </p>
    )
  }
  if (session.error) {
    return (
      <Layout session={{ signedIn: false, roles: [], orgs: [], demo: false, oidc: false }}>
        <Page title="earlywatch is unavailable">
          <ProblemAlert error={session.error} />
          <Button type="button" onClick={() => session.refetch()}>
            Try again
          </Button>
        </Page>
      </Layout>
    )
  }
  return (
    <Layout session={session.data}>
      <ErrorBoundary resetKey={pathname}>
        {publicPage(pathname) ??
          publicAdvisoryPage(pathname, session.data) ??
          (session.data.signedIn ? (
            <SignedInRoutes session={session.data} />
          ) : (
            <SignInPage session={session.data} />
          ))}
      </ErrorBoundary>
    </Layout>
  )
}

/** Pages anyone may read, signed in or not: the log is public so that anyone can check it. */
function publicPage(pathname: string) {
  if (pathname === '/transparency') return <TransparencyPage />
  if (pathname === '/log-explorer') return <LogExplorerPage />
  const entry = matchPath('/log-explorer/:index', pathname)
  if (entry && /^(0|[1-9][0-9]{0,15})$/.test(entry.index!)) {
    const index = Number(entry.index)
    return <EntryPage key={index} index={index} />
  }
  return null
}

function SignedInRoutes({ session }: { session: Session }) {
  const { pathname } = useLocation()

  if (pathname === '/' || pathname === '/sign-in') return <OverviewPage session={session} />
  if (pathname === '/notifications') return <NotificationsPage />
  const advisoryEditor = advisoryEditorPage(pathname, session)
  if (advisoryEditor) return advisoryEditor
  const clearinghouse = clearinghousePage(pathname, session)
  if (clearinghouse) return clearinghouse
  if (pathname === '/tokens') return <TokensPage session={session} />
  if (pathname === '/inventory') {
    if (hasRole(session, 'operator_member')) return <OperatorDashboardPage />
    return hasRole(session, 'admin', 'program_officer', 'analyst', 'auditor') ? (
      <ProgramDashboardPage />
    ) : (
      <NotAllowed what="Inventories are for operators and program staff." />
    )
  }
  if (pathname === '/admin') {
    return hasRole(session, 'admin') ? (
      <AdminPage />
    ) : (
      <NotAllowed what="Only administrators manage organisations, people and roles." />
    )
  }
  if (pathname === '/benchmark/policy') return <PoliciesPage session={session} />
  if (pathname === '/benchmark/determinations') {
    return hasRole(
      session,
      'admin',
      'program_officer',
      'benchmark_custodian',
      'auditor',
      'lab_member',
    ) ? (
      <DeterminationsPage />
    ) : (
      <NotAllowed what="Determinations are visible to program staff and to the lab concerned." />
    )
  }
  const determination = matchPath('/determinations/:id', pathname)
  if (determination) return <DeterminationPage key={determination.id} id={determination.id!} />
  if (pathname === '/benchmark/vault') {
    return hasRole(session, 'admin', 'program_officer', 'benchmark_custodian', 'auditor') ? (
      <VaultPage session={session} />
    ) : (
      <NotAllowed what="The controlled benchmark vault is visible to program staff only." />
    )
  }
  if (pathname === '/submissions/new') {
    return hasRole(session, 'lab_member') ? (
      <RegisterPage />
    ) : (
      <NotAllowed what="Only lab members register submissions." />
    )
  }
  const partnersPage = partnerRoutes(pathname, session)
  if (partnersPage) return partnersPage
  const evals = evalsPage(session, pathname)
  if (evals) return evals
  const detail = matchPath('/submissions/:id', pathname)
  // Keyed by id so moving between submissions starts each page afresh.
  if (detail) return <DetailPage key={detail.id} id={detail.id!} session={session} />
  return <NotFound />
}

/** Trusted partners: directory, selection boards, grants. Keyed by id so each page starts afresh. */
function partnerRoutes(pathname: string, session: Session) {
  if (pathname === '/partners') return <DirectoryPage session={session} />
  if (pathname === '/grants') return <GrantsPage />
  const board = matchPath('/submissions/:id/partners', pathname)
  if (board) return <BoardPage key={board.id} submissionId={board.id!} session={session} />
  const selection = matchPath('/partners/selections/:id', pathname)
  if (selection) return <SelectionPage key={selection.id} id={selection.id!} session={session} />
  const partner = matchPath('/partners/:orgId', pathname)
  if (partner) return <PartnerPage key={partner.orgId} orgId={partner.orgId!} session={session} />
  const grant = matchPath('/grants/:id', pathname)
  if (grant) return <GrantPage key={grant.id} id={grant.id!} session={session} />
  return null
}

/** The evaluation engine's pages, for the program's evaluation staff (the server checks the roles too). */
function evalsPage(session: Session, pathname: string) {
  if (!pathname.startsWith('/evals')) return null
  if (!hasRole(session, 'admin', 'program_officer', 'benchmark_custodian'))
    return (
      <NotAllowed what="Only program officers, benchmark custodians and administrators see evaluations." />
    )
  if (pathname === '/evals') return <RunsPage />
  const sample = matchPath('/evals/runs/:id/samples/:sampleId/:epoch', pathname)
  if (sample)
    return (
      <TranscriptPage
        key={pathname}
        runId={sample.id!}
        sampleId={decodeURIComponent(sample.sampleId!)}
        epoch={Number(sample.epoch)}
      />
    )
  const run = matchPath('/evals/runs/:id', pathname)
  if (run) return <RunPage key={run.id} id={run.id!} />
  return null
}

function NotAllowed({ what }: { what: string }) {
  return (
    <Page title="Not available for your role">
      <p>{what} If you hold the role in another organisation, switch to it in the header.</p>
      <Link to="/" className="usa-link">
        Back to the program overview
      </Link>
    </Page>
  )
}

function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <Link to="/" className="usa-link">
        Go to the program overview
      </Link>
    </Page>
  )
}
