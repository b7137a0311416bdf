/** The application shell: skip link, USWDS extended header with the person and organisation, navigation, footer. */
import { ExtendedNav, Header, NavMenuButton, Title } from '@trussworks/react-uswds'
import { type ReactNode, useState } from 'react'
import { OrgSwitcher } from '../accounts/OrgSwitcher.tsx'
import { hasRole, roleLabel, type Session, useSignOut } from '../accounts/session.ts'
import { useNotifications } from '../notifications/api.ts'
import { Link, useLocation } from './router.tsx'

export function Layout({ session, children }: { session: Session; children: ReactNode }) {
  return (
    <>
      <a className="usa-skipnav" href="#main-content">
        Skip to main content
      </a>
      {session.signedIn ? <SignedInHeader session={session} /> : <PublicHeader />}
      <main id="main-content" className="ew-main" tabIndex={-1}>
        <div className="grid-container ew-container">{children}</div>
      </main>
      <footer className="usa-footer usa-footer--slim ew-footer">
        <div className="grid-container ew-container">
          <p className="margin-0">
            earlywatch runs a <strong>voluntary</strong> pre-release review program. Taking part is
            a lab’s choice, a lab may withdraw at any time, and nothing here licenses, clears or
            blocks a release.
          </p>
        </div>
      </footer>
    </>
  )
}

function Brand() {
  return (
    <Title>
      <Link to="/" title="earlywatch home" className="ew-brand">
        <span className="ew-brand__name">earlywatch</span>
        <span className="ew-brand__tagline">Pre-release review program</span>
      </Link>
    </Title>
  )
}

/** The public pages, linked for everyone: the log exists so that anyone can check it. */
const isTransparency = (pathname: string) =>
  pathname === '/transparency' || pathname.startsWith('/log-explorer')

function navLinkFor(close: () => void) {
  return (to: string, label: ReactNode, active: boolean) => (
    <Link
      key={to}
      to={to}
      onClick={close}
      className={`usa-nav-link${active ? ' usa-current' : ''}`}
      aria-current={active ? 'page' : undefined}
    >
      {label}
    </Link>
  )
}

/** For visitors who are not signed in: the public pages, and the way to sign in. */
function PublicHeader() {
  const [menuOpen, setMenuOpen] = useState(false)
  const { pathname } = useLocation()
  const close = () => setMenuOpen(false)
  const navLink = navLinkFor(close)
  const onPublicPage = isTransparency(pathname)

  return (
    <>
      <div className={`usa-overlay${menuOpen ? ' is-visible' : ''}`} />
      <Header extended className="ew-header ew-header--plain">
        <div className="usa-navbar">
          <Brand />
          <NavMenuButton onClick={() => setMenuOpen((o) => !o)} label="Menu" />
        </div>
        <ExtendedNav
          aria-label="Primary navigation"
          primaryItems={[
            navLink('/transparency', <span>Transparency</span>, pathname === '/transparency'),
            navLink(
              '/log-explorer',
              <span>Log explorer</span>,
              pathname.startsWith('/log-explorer'),
            ),
          ]}
          secondaryItems={
            onPublicPage
              ? [
                  <Link key="signin" to="/" onClick={close} className="ew-header-link">
                    Sign in
                  </Link>,
                ]
              : []
          }
          mobileExpanded={menuOpen}
          onToggleMobileNav={() => setMenuOpen((o) => !o)}
        />
      </Header>
    </>
  )
}

function SignedInHeader({ session }: { session: Session }) {
  const [menuOpen, setMenuOpen] = useState(false)
  const { pathname } = useLocation()
  const notifications = useNotifications()
  const signOut = useSignOut()
  const unread = notifications.data?.unread ?? 0
  const close = () => setMenuOpen(false)

  const navLink = navLinkFor(close)

  const primaryItems = [
    navLink(
      '/',
      <span>Program overview</span>,
      pathname === '/' || (pathname.startsWith('/submissions') && !pathname.endsWith('/partners')),
    ),
    navLink(
      '/notifications',
      <span>
        Notifications
        {unread > 0 ? (
          <span className="ew-count">
            {unread}
            <span className="usa-sr-only"> unread</span>
          </span>
        ) : null}
      </span>,
      pathname === '/notifications',
    ),
    hasRole(session, 'program_officer', 'admin', 'auditor', 'lab_member', 'partner_member')
      ? navLink(
          '/partners',
          <span>Trusted partners</span>,
          pathname.startsWith('/partners') ||
            pathname.startsWith('/grants') ||
            pathname.endsWith('/partners'),
        )
      : null,
    navLink('/clearinghouse', <span>Clearinghouse</span>, pathname.startsWith('/clearinghouse')),
    hasRole(session, 'admin', 'program_officer', 'benchmark_custodian')
      ? navLink('/evals', <span>Evaluations</span>, pathname.startsWith('/evals'))
      : null,
    navLink('/transparency', <span>Transparency</span>, isTransparency(pathname)),
    hasRole(
      session,
      'benchmark_custodian',
      'agency_signatory',
      'program_officer',
      'auditor',
      'lab_member',
    )
      ? navLink(
          '/benchmark/policy',
          <span>Threshold policy</span>,
          pathname.startsWith('/benchmark'),
        )
      : null,
    // Administrators of the organisation acted for only; the server checks the role anyway.
    hasRole(session, 'admin')
      ? navLink('/admin', <span>Administration</span>, pathname === '/admin')
      : null,
  ].filter(Boolean)

  const secondaryItems = [
    <span key="who" className="ew-who">
      <span className="ew-who__name">{session.person?.name}</span>
      <span className="ew-who__roles">
        {session.roles.map(roleLabel).join(', ') || 'No role here'}
      </span>
    </span>,
    <OrgSwitcher key="org" session={session} />,
    <Link
      key="tokens"
      to="/tokens"
      onClick={close}
      className="ew-header-link"
      aria-current={pathname === '/tokens' ? 'page' : undefined}
    >
      Your API tokens
    </Link>,
    <button
      key="signout"
      type="button"
      className="usa-button usa-button--unstyled ew-signout"
      disabled={signOut.isPending}
      onClick={() => signOut.mutate()}
    >
      Sign out
    </button>,
  ]

  return (
    <>
      <div className={`usa-overlay${menuOpen ? ' is-visible' : ''}`} />
      <Header extended className="ew-header">
        <div className="usa-navbar">
          <Brand />
          <NavMenuButton onClick={() => setMenuOpen((o) => !o)} label="Menu" />
        </div>
        <ExtendedNav
          aria-label="Primary navigation"
          primaryItems={primaryItems}
          secondaryItems={secondaryItems}
          mobileExpanded={menuOpen}
          onToggleMobileNav={() => setMenuOpen((o) => !o)}
        />
      </Header>
    </>
  )
}
