/** SQL for organisations, people, memberships, API tokens, sessions, sign-in links and OIDC logins. */
import type { Queryable } from '../platform/db/db.ts'
import type {
  DemoPersona,
  Membership,
  Org,
  OrgKind,
  OrgWithRoles,
  Person,
  PersonWithMemberships,
  Role,
  TokenInfo,
} from './model.ts'

interface OrgRow {
  id: string
  kind: OrgKind
  name: string
  slug: string
  created_at: Date
}
const toOrg = (r: OrgRow): Org => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  slug: r.slug,
  createdAt: r.created_at,
})

interface PersonRow {
  id: string
  email: string
  name: string
  password_hash: string | null
  oidc_issuer: string | null
  oidc_subject: string | null
  disabled_at: Date | null
  created_at: Date
}
const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  email: r.email,
  name: r.name,
  hasPassword: r.password_hash !== null,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
})

/** The person row with its credentials, for sign-in only; never leaves the service. */
export interface PersonCredentials {
  person: Person
  passwordHash: string | null
  oidcIssuer: string | null
  oidcSubject: string | null
}
const toCredentials = (r: PersonRow): PersonCredentials => ({
  person: toPerson(r),
  passwordHash: r.password_hash,
  oidcIssuer: r.oidc_issuer,
  oidcSubject: r.oidc_subject,
})

/** What a principal is built from: the person, the organisation they act for, their roles there. */
export interface Actor {
  personId: string
  personName: string
  email: string
  orgId: string
  orgKind: OrgKind
  orgName: string
  roles: Role[]
}

// One query for person + organisation + roles, shared by tokens and sessions. Disabled people
// and people without any role left in the organisation yield no row, so they cannot act.
const actorSelect = (extra = '') => `
  SELECT p.id AS person_id, p.name AS person_name, p.email, o.id AS org_id, o.kind AS org_kind,
         o.name AS org_name, array_agg(m.role ORDER BY m.role) AS roles${extra}
    FROM person p
    JOIN membership m ON m.person_id = p.id
    JOIN organisation o ON o.id = m.org_id`
const ACTOR_GROUP = 'GROUP BY p.id, o.id'

interface ActorRow {
  person_id: string
  person_name: string
  email: string
  org_id: string
  org_kind: OrgKind
  org_name: string
  roles: Role[]
}
const toActor = (r: ActorRow): Actor => ({
  personId: r.person_id,
  personName: r.person_name,
  email: r.email,
  orgId: r.org_id,
  orgKind: r.org_kind,
  orgName: r.org_name,
  roles: r.roles,
})

export async function insertOrg(q: Queryable, o: Org): Promise<Org> {
  const { rows } = await q.query<OrgRow>(
    'INSERT INTO organisation (id, kind, name, slug, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [o.id, o.kind, o.name, o.slug, o.createdAt],
  )
  return toOrg(rows[0]!)
}

export async function listOrgs(q: Queryable): Promise<Org[]> {
  const { rows } = await q.query<OrgRow>('SELECT * FROM organisation ORDER BY kind, name, id')
  return rows.map(toOrg)
}

export async function findOrg(q: Queryable, id: string): Promise<Org | null> {
  const { rows } = await q.query<OrgRow>('SELECT * FROM organisation WHERE id = $1', [id])
  return rows[0] ? toOrg(rows[0]) : null
}

export async function findOrgBySlug(q: Queryable, slug: string): Promise<Org | null> {
  const { rows } = await q.query<OrgRow>('SELECT * FROM organisation WHERE slug = $1', [slug])
  return rows[0] ? toOrg(rows[0]) : null
}

export async function insertPerson(
  q: Queryable,
  p: { id: string; email: string; name: string; passwordHash: string | null; createdAt: Date },
): Promise<Person> {
  const { rows } = await q.query<PersonRow>(
    `INSERT INTO person (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
     RETURNING *`,
    [p.id, p.email, p.name, p.passwordHash, p.createdAt],
  )
  return toPerson(rows[0]!)
}

export async function countPeople(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM person')
  return rows[0]!.n
}

export async function findPerson(q: Queryable, id: string): Promise<Person | null> {
  const { rows } = await q.query<PersonRow>('SELECT * FROM person WHERE id = $1', [id])
  return rows[0] ? toPerson(rows[0]) : null
}

export async function findCredentialsByEmail(
  q: Queryable,
  email: string,
): Promise<PersonCredentials | null> {
  const { rows } = await q.query<PersonRow>('SELECT * FROM person WHERE email = $1', [email])
  return rows[0] ? toCredentials(rows[0]) : null
}

export async function findCredentialsByOidc(
  q: Queryable,
  issuer: string,
  subject: string,
): Promise<PersonCredentials | null> {
  const { rows } = await q.query<PersonRow>(
    'SELECT * FROM person WHERE oidc_issuer = $1 AND oidc_subject = $2',
    [issuer, subject],
  )
  return rows[0] ? toCredentials(rows[0]) : null
}

/** Links an identity-provider account to a person, only if the person has no link yet. */
export async function linkOidc(
  q: Queryable,
  personId: string,
  issuer: string,
  subject: string,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE person SET oidc_issuer = $2, oidc_subject = $3
      WHERE id = $1 AND oidc_subject IS NULL`,
    [personId, issuer, subject],
  )
  return r.rowCount === 1
}

export async function listPeople(q: Queryable): Promise<PersonWithMemberships[]> {
  const { rows } = await q.query<
    PersonRow & {
      memberships: Array<{ orgId: string; orgName: string; orgKind: OrgKind; role: Role }>
    }
  >(
    `SELECT p.*,
            coalesce(json_agg(json_build_object('orgId', o.id, 'orgName', o.name, 'orgKind', o.kind,
                                                'role', m.role) ORDER BY o.name, m.role)
                       FILTER (WHERE m.role IS NOT NULL), '[]') AS memberships
       FROM person p
       LEFT JOIN membership m ON m.person_id = p.id
       LEFT JOIN organisation o ON o.id = m.org_id
      GROUP BY p.id
      ORDER BY p.email`,
  )
  return rows.map((r) => ({ ...toPerson(r), memberships: r.memberships }))
}

interface MembershipRow {
  org_id: string
  person_id: string
  role: Role
  granted_by: string | null
  granted_at: Date
}
const toMembership = (r: MembershipRow): Membership => ({
  orgId: r.org_id,
  personId: r.person_id,
  role: r.role,
  grantedBy: r.granted_by,
  grantedAt: r.granted_at,
})

/** Granting a role someone already holds is not an error: the existing grant is returned. */
export async function upsertMembership(q: Queryable, m: Membership): Promise<Membership> {
  await q.query(
    `INSERT INTO membership (org_id, person_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, person_id, role) DO NOTHING`,
    [m.orgId, m.personId, m.role, m.grantedBy, m.grantedAt],
  )
  const { rows } = await q.query<MembershipRow>(
    'SELECT * FROM membership WHERE org_id = $1 AND person_id = $2 AND role = $3',
    [m.orgId, m.personId, m.role],
  )
  return toMembership(rows[0]!)
}

export async function deleteMembership(
  q: Queryable,
  m: { orgId: string; personId: string; role: Role },
): Promise<boolean> {
  const r = await q.query(
    'DELETE FROM membership WHERE org_id = $1 AND person_id = $2 AND role = $3',
    [m.orgId, m.personId, m.role],
  )
  return r.rowCount === 1
}

export async function countRoleHolders(q: Queryable, role: Role): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(DISTINCT m.person_id)::int AS n FROM membership m JOIN person p ON p.id = m.person_id
      WHERE m.role = $1 AND p.disabled_at IS NULL`,
    [role],
  )
  return rows[0]!.n
}

export async function orgsOf(q: Queryable, personId: string): Promise<OrgWithRoles[]> {
  const { rows } = await q.query<OrgRow & { roles: Role[] }>(
    `SELECT o.id, o.kind, o.name, o.slug, o.created_at, array_agg(m.role ORDER BY m.role) AS roles
       FROM membership m JOIN organisation o ON o.id = m.org_id
      WHERE m.person_id = $1
      GROUP BY o.id
      ORDER BY o.name, o.id`,
    [personId],
  )
  return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, slug: r.slug, roles: r.roles }))
}

export async function findActor(
  q: Queryable,
  personId: string,
  orgId: string,
): Promise<Actor | null> {
  const { rows } = await q.query<ActorRow>(
    `${actorSelect()} WHERE p.id = $1 AND o.id = $2 AND p.disabled_at IS NULL ${ACTOR_GROUP}`,
    [personId, orgId],
  )
  return rows[0] ? toActor(rows[0]) : null
}

export async function insertToken(
  q: Queryable,
  t: {
    id: string
    personId: string
    orgId: string
    name: string
    hint: string
    tokenHash: string
    createdAt: Date
    expiresAt: Date
  },
): Promise<void> {
  await q.query(
    `INSERT INTO api_token (id, person_id, org_id, name, hint, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [t.id, t.personId, t.orgId, t.name, t.hint, t.tokenHash, t.createdAt, t.expiresAt],
  )
}

/** The live token with this hash: not revoked, not expired, its person still holding a role in its organisation. */
export async function findTokenActor(
  q: Queryable,
  tokenHash: string,
  now: Date,
): Promise<(Actor & { tokenId: string }) | null> {
  const { rows } = await q.query<ActorRow & { token_id: string }>(
    `${actorSelect(', t.id AS token_id')}
       JOIN api_token t ON t.person_id = p.id AND t.org_id = o.id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND p.disabled_at IS NULL
      GROUP BY p.id, o.id, t.id`,
    [tokenHash, now],
  )
  return rows[0] ? { ...toActor(rows[0]), tokenId: rows[0].token_id } : null
}

/**
 * Records use at most once a minute per token, so a busy script does not turn every read
 * into a write.
 */
export async function touchToken(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(
    `UPDATE api_token SET last_used_at = $2
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
    [id, now],
  )
}

export async function listTokens(q: Queryable, personId: string): Promise<TokenInfo[]> {
  const { rows } = await q.query<{
    id: string
    name: string
    hint: string
    org_id: string
    org_name: string
    created_at: Date
    expires_at: Date
    revoked_at: Date | null
    last_used_at: Date | null
  }>(
    `SELECT t.id, t.name, t.hint, t.org_id, o.name AS org_name, t.created_at, t.expires_at,
            t.revoked_at, t.last_used_at
       FROM api_token t JOIN organisation o ON o.id = t.org_id
      WHERE t.person_id = $1
      ORDER BY t.created_at DESC, t.id`,
    [personId],
  )
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    hint: r.hint,
    orgId: r.org_id,
    orgName: r.org_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  }))
}

/** Revokes one of this person's own tokens; false when there is no such token of theirs. */
export async function revokeToken(
  q: Queryable,
  personId: string,
  id: string,
  now: Date,
): Promise<'revoked' | 'already' | 'missing'> {
  const { rows } = await q.query<{ revoked_at: Date | null }>(
    'SELECT revoked_at FROM api_token WHERE id = $1 AND person_id = $2 FOR UPDATE',
    [id, personId],
  )
  if (!rows[0]) return 'missing'
  if (rows[0].revoked_at) return 'already'
  await q.query('UPDATE api_token SET revoked_at = $2 WHERE id = $1', [id, now])
  return 'revoked'
}

export async function insertSession(
  q: Queryable,
  s: {
    id: string
    personId: string
    orgId: string
    secretHash: string
    csrfHash: string
    createdAt: Date
    expiresAt: Date
    userAgent: string | null
  },
): Promise<void> {
  await q.query(
    `INSERT INTO session (id, person_id, org_id, secret_hash, csrf_hash, created_at, expires_at, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [s.id, s.personId, s.orgId, s.secretHash, s.csrfHash, s.createdAt, s.expiresAt, s.userAgent],
  )
}

export async function findSessionActor(
  q: Queryable,
  secretHash: string,
  now: Date,
): Promise<(Actor & { sessionId: string; csrfHash: string }) | null> {
  const { rows } = await q.query<ActorRow & { session_id: string; csrf_hash: string }>(
    `${actorSelect(', s.id AS session_id, s.csrf_hash')}
       JOIN session s ON s.person_id = p.id AND s.org_id = o.id
      WHERE s.secret_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND p.disabled_at IS NULL
      GROUP BY p.id, o.id, s.id`,
    [secretHash, now],
  )
  const r = rows[0]
  return r ? { ...toActor(r), sessionId: r.session_id, csrfHash: r.csrf_hash } : null
}

export async function setSessionOrg(q: Queryable, sessionId: string, orgId: string): Promise<void> {
  await q.query('UPDATE session SET org_id = $2 WHERE id = $1', [sessionId, orgId])
}

export async function revokeSession(q: Queryable, sessionId: string, now: Date): Promise<void> {
  await q.query('UPDATE session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
    sessionId,
    now,
  ])
}

export async function insertSigninLink(
  q: Queryable,
  l: { tokenHash: string; personId: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await q.query(
    'INSERT INTO signin_link (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [l.tokenHash, l.personId, l.createdAt, l.expiresAt],
  )
}

/**
 * Marks the link used and returns its person in one statement, so two clicks racing each
 * other cannot both sign in.
 */
export async function consumeSigninLink(
  q: Queryable,
  tokenHash: string,
  now: Date,
): Promise<string | null> {
  const { rows } = await q.query<{ person_id: string }>(
    `UPDATE signin_link SET used_at = $2
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
      RETURNING person_id`,
    [tokenHash, now],
  )
  return rows[0]?.person_id ?? null
}

export async function insertOidcLogin(
  q: Queryable,
  l: {
    state: string
    nonce: string
    codeVerifier: string
    returnTo: string
    createdAt: Date
    expiresAt: Date
  },
): Promise<void> {
  // Abandoned attempts are swept here rather than by a job: the table only grows when people sign in.
  await q.query('DELETE FROM oidc_login WHERE expires_at <= $1', [l.createdAt])
  await q.query(
    `INSERT INTO oidc_login (state, nonce, code_verifier, return_to, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [l.state, l.nonce, l.codeVerifier, l.returnTo, l.createdAt, l.expiresAt],
  )
}

/** Takes the attempt out of the table as it is read: a state is good for one callback only. */
export async function takeOidcLogin(
  q: Queryable,
  state: string,
  now: Date,
): Promise<{ nonce: string; codeVerifier: string; returnTo: string } | null> {
  const { rows } = await q.query<{
    nonce: string
    code_verifier: string
    return_to: string
    expires_at: Date
  }>(
    'DELETE FROM oidc_login WHERE state = $1 RETURNING nonce, code_verifier, return_to, expires_at',
    [state],
  )
  const r = rows[0]
  if (!r || r.expires_at <= now) return null
  return { nonce: r.nonce, codeVerifier: r.code_verifier, returnTo: r.return_to }
}

/**
 * One persona per role: the demo seeder's people (`program-officer@demo…`) first, then whoever was
 * granted the role earliest, so a role still gets a persona if the seeder skipped it.
 */
export async function demoPersonas(q: Queryable, demoDomain: string): Promise<DemoPersona[]> {
  const { rows } = await q.query<{
    role: Role
    person_id: string
    person_name: string
    org_id: string
    org_name: string
  }>(
    `SELECT DISTINCT ON (m.role) m.role, p.id AS person_id, p.name AS person_name,
            o.id AS org_id, o.name AS org_name
       FROM membership m
       JOIN person p ON p.id = m.person_id
       JOIN organisation o ON o.id = m.org_id
      WHERE p.disabled_at IS NULL
      ORDER BY m.role, p.email = replace(m.role, '_', '-') || '@' || $1 DESC, p.email LIKE '%@' || $1 DESC,
               m.granted_at, p.email`,
    [demoDomain],
  )
  return rows.map((r) => ({
    role: r.role,
    label: '',
    personName: r.person_name,
    orgName: r.org_name,
    personId: r.person_id,
    orgId: r.org_id,
  }))
}
