/** In-app notifications: what one organisation is told (deadlines now; email later reads the same rows). */

export interface Notification {
  id: string
  orgId: string
  /** What happened, as a stable dotted name, e.g. `program.window_opens`. */
  kind: string
  /** The thing it is about, so a client can link to it: `submission` and its id. */
  subjectType: string
  subjectId: string
  title: string
  body: string
  /** A path in the web app where the subject can be seen, e.g. `/submissions/sub_…`. */
  link: string | null
  createdAt: Date
  readAt: Date | null
}

export interface NotifyInput {
  orgId: string
  kind: string
  subjectType: string
  subjectId: string
  title: string
  body: string
  /** A path in the web app (starting with `/`) where the subject can be seen. */
  link?: string | undefined
  /**
   * Unique across all notifications. Senders are delivered at least once (jobs retry), so the
   * key names the one fact being told to one organisation, and a repeat is a no-op.
   */
  dedupeKey: string
}

export interface NotificationList {
  items: Notification[]
  /** Unread notifications of the organisation, whatever the page. */
  unread: number
  /** Notifications matching the filter, whatever the page. */
  total: number
}

export const NOTIFICATION_PAGE_MAX = 200
