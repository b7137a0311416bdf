/** Sign in: organisation single sign-on, email and password, and in demo mode a persona per role. */
import {
  Alert,
  AlertText,
  Button,
  Fieldset,
  FormGroup,
  Label,
  Tag,
  TextInput,
} from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useState } from 'react'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  type DemoPersona,
  type Session,
  useDemoPersonas,
  useDemoSignIn,
  usePasswordSignIn,
} from './session.ts'

export function SignInPage({ session }: { session: Session }) {
  return (
    <div className="grid-row grid-gap-6">
      <div className="tablet:grid-col-6 desktop:grid-col-5">
        <Page
          title="Sign in"
          lead="Sign in to the pre-release review program with the account your organisation gave you."
        >
          <LinkProblem />
          {session.oidc ? <OidcSignIn /> : null}
          <PasswordForm />
          <p className="ew-public-note">
            No account is needed to see what the program decided: the{' '}
            <Link to="/transparency" className="usa-link">
              transparency report
            </Link>{' '}
            and the{' '}
            <Link to="/log-explorer" className="usa-link">
              public log
            </Link>{' '}
            are open to everyone.
          </p>
        </Page>
      </div>
      {session.demo ? (
        <div className="tablet:grid-col-6 desktop:grid-col-6 desktop:grid-offset-1">
          <DemoPersonas />
        </div>
      ) : null}
    </div>
  )
}

/** The server sends people here when a one-time sign-in link was expired or already used. */
function LinkProblem() {
  if (new URLSearchParams(window.location.search).get('signin') !== 'link-invalid') return null
  return (
    <Alert type="warning" slim className="margin-bottom-3">
      <AlertText>
        That sign-in link has expired or was already used. Links work once, for 24 hours: ask an
        administrator for a new one (<code>earlywatch users link --email …</code>).
      </AlertText>
    </Alert>
  )
}

function OidcSignIn() {
  return (
    <div className="margin-bottom-4">
      {/* A full page load: the server runs the OpenID Connect redirect dance. */}
      <a className="usa-button usa-button--big width-full" href="/api/session/oidc/start">
        Sign in with your organisation
      </a>
      <p className="ew-divider">
        <span>or use email and password</span>
      </p>
    </div>
  )
}

function PasswordForm() {
  const signIn = usePasswordSignIn()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')

  function submit(e: FormEvent) {
    e.preventDefault()
    signIn.mutate({ email, password })
  }

  return (
    <form className="usa-form ew-form-full" onSubmit={submit} noValidate>
      <ProblemAlert error={signIn.error} />
      <Fieldset legend="Email and password" className="ew-signin-fieldset">
        <FormGroup>
          <Label htmlFor="signin-email">Email address</Label>
          <TextInput
            id="signin-email"
            name="email"
            type="email"
            autoComplete="username"
            autoCapitalize="off"
            spellCheck={false}
            required
            value={email}
            onChange={(e: ChangeEvent<HTMLInputElement>) => setEmail(e.target.value)}
          />
        </FormGroup>
        <FormGroup>
          <Label htmlFor="signin-password">Password</Label>
          <TextInput
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e: ChangeEvent<HTMLInputElement>) => setPassword(e.target.value)}
          />
        </FormGroup>
        <Button type="submit" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </Button>
      </Fieldset>
    </form>
  )
}

function DemoPersonas() {
  const personas = useDemoPersonas(true)
  const signIn = useDemoSignIn()

  return (
    <section className="ew-demo" aria-labelledby="demo-heading">
      <div className="display-flex flex-align-center">
        <h2 id="demo-heading" className="margin-0 font-heading-lg">
          Try a role
        </h2>
        <Tag className="margin-left-1 bg-gold text-ink">Demo only</Tag>
      </div>
      <Alert type="warning" slim className="margin-top-2">
        <AlertText>
          This server runs in demo mode with made-up organisations and people. Choosing a persona
          signs you in without a password. Never use demo mode with real data.
        </AlertText>
      </Alert>
      <ProblemAlert error={personas.error ?? signIn.error} />
      {personas.isPending ? <p>Loading personas…</p> : null}
      <ul className="usa-list usa-list--unstyled ew-persona-list">
        {personas.data?.map((p) => (
          <li key={p.role}>
            <PersonaButton
              persona={p}
              disabled={signIn.isPending}
              onChoose={() => signIn.mutate(p.role)}
            />
          </li>
        ))}
      </ul>
    </section>
  )
}

function PersonaButton({
  persona,
  disabled,
  onChoose,
}: {
  persona: DemoPersona
  disabled: boolean
  onChoose: () => void
}) {
  return (
    <button type="button" className="ew-persona" disabled={disabled} onClick={onChoose}>
      <span className="ew-persona__role">{persona.label}</span>
      <span className="ew-persona__who">
        {persona.personName}, {persona.orgName}
      </span>
    </button>
  )
}
