/**
 * Notification content and transport for operators: messages whose content follows each
 * finding's TLP label, HMAC-signed webhooks, and email through nodemailer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import nodemailer from 'nodemailer'
import type { Finding, Tlp } from './model.ts'

export const SIGNATURE_HEADER = 'x-earlywatch-signature'
export const DELIVERY_HEADER = 'x-earlywatch-delivery'
/** A receiver should refuse signatures older than this, so a captured request cannot be replayed. */
export const SIGNATURE_TOLERANCE_S = 300

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the timestamp is signed with
 * the body, so a receiver can refuse replays.
 */
export function signWebhook(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000)
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
  return `t=${t},v1=${mac}`
}

/** The receiver's check, published for operators (and used by the tests). */
export function verifyWebhook(secret: string, body: string, header: string, now: Date): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((p) => p.split('=', 2) as [string, string]),
  )
  const t = Number(parts.t)
  if (!Number.isInteger(t) || !parts.v1) return false
  if (Math.abs(now.getTime() / 1000 - t) > SIGNATURE_TOLERANCE_S) return false
  const want = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  const got = Buffer.from(parts.v1, 'hex')
  return got.length === want.length && timingSafeEqual(got, want)
}

const TLP_ORDER: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']

/** The strictest label among the findings: a message carrying several is marked by it. */
export function strictestTlp(labels: Tlp[]): Tlp {
  return labels.reduce<Tlp>(
    (a, b) => (TLP_ORDER.indexOf(b) > TLP_ORDER.indexOf(a) ? b : a),
    'CLEAR',
  )
}

/**
 * What a channel may carry of a finding. CLEAR/GREEN: everything. AMBER: everything, marked, and
 * only to the operator the case allows. AMBER+STRICT and RED: only that there is a finding and
 * where to read it — the details stay behind sign-in, where access is checked per person.
 */
export function findingForChannel(f: Finding & { tlp: Tlp }, link: string) {
  const restricted = f.tlp === 'AMBER+STRICT' || f.tlp === 'RED'
  return {
    id: f.id,
    tlp: f.tlp,
    link,
    system: f.systemName,
    ...(restricted
      ? {}
      : {
          advisory: f.advisoryId,
          summary: f.summary,
          package: {
            ecosystem: f.ecosystem,
            name: f.packageName,
            purl: f.purl,
            versions: f.versions,
          },
          matchKind: f.matchKind,
          matchedRange: f.matchedRange,
          fixedVersion: f.fixedVersion,
          severity: f.severity,
          exploited: f.kev,
          dueAt: f.dueAt?.toISOString() ?? null,
          status: f.status,
        }),
  }
}

export interface OutgoingMessage {
  mode: 'immediate' | 'digest' | 'escalation'
  tlp: Tlp
  subject: string
  text: string
  findings: Array<ReturnType<typeof findingForChannel>>
}

export function buildMessage(
  mode: OutgoingMessage['mode'],
  findings: Array<Finding & { tlp: Tlp }>,
  publicUrl: string,
): OutgoingMessage {
  const tlp = strictestTlp(findings.map((f) => f.tlp))
  const items = findings.map((f) => findingForChannel(f, `${publicUrl}/inventory/findings/${f.id}`))
  const what =
    mode === 'escalation'
      ? `${findings.length} overdue finding${findings.length === 1 ? '' : 's'}`
      : mode === 'digest'
        ? `${findings.length} new finding${findings.length === 1 ? '' : 's'} (digest)`
        : `${findings.length} urgent finding${findings.length === 1 ? '' : 's'}`
  const lines = items.map((i) =>
    i.package
      ? `- [TLP:${i.tlp}] ${i.advisory} in ${i.package.name} ${i.package.versions.join(', ') || '(version unknown)'} on ${i.system}: ${i.severity}${i.exploited ? ', exploited in the wild' : ''}; fix: ${i.fixedVersion ?? 'no fixed version yet'}; due ${i.dueAt?.slice(0, 10) ?? '—'}\n  ${i.link}`
      : `- [TLP:${i.tlp}] a restricted advisory affects ${i.system}; sign in to read it: ${i.link}`,
  )
  return {
    mode,
    tlp,
    subject: `[TLP:${tlp}] earlywatch: ${what}`,
    text: `TLP:${tlp}\n\n${what}:\n\n${lines.join('\n')}\n\nTLP:${tlp} — share only as the label allows (https://www.first.org/tlp/).\n`,
    findings: items,
  }
}

export interface Mailer {
  send(msg: { to: string; subject: string; text: string }): Promise<void>
}

export interface SmtpSettings {
  host: string
  port: number
  secure: boolean
  user: string | undefined
  password: string | undefined
  from: string
  /** Tests against a local server without a certificate. */
  requireTls: boolean
}

export function smtpMailer(s: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTls,
    ignoreTLS: !s.secure && !s.requireTls,
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
  })
  return {
    async send(msg) {
      await transport.sendMail({ from: s.from, to: msg.to, subject: msg.subject, text: msg.text })
    },
  }
}

/** No SMTP configured: email channels fail with a message naming the settings to set. */
export const noMailer: Mailer = {
  send() {
    return Promise.reject(
      new Error('email is not configured: set EARLYWATCH_SMTP_HOST and EARLYWATCH_SMTP_FROM'),
    )
  },
}
