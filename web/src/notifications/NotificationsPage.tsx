/** Notifications for the organisation the person acts for, newest first; unread ones stand out. */
import { Button } from '@trussworks/react-uswds'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { type Notification, useMarkRead, useNotifications } from './api.ts'

export function NotificationsPage() {
  const notifications = useNotifications()
  const markRead = useMarkRead()
  const items = [...(notifications.data?.items ?? [])].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt),
  )
  const unread = notifications.data?.unread ?? 0

  return (
    <Page
      title="Notifications"
      lead={
        notifications.data ? (unread > 0 ? `${unread} unread.` : 'You are up to date.') : undefined
      }
    >
      <ProblemAlert error={notifications.error ?? markRead.error} />
      {notifications.isPending ? <p aria-live="polite">Loading notifications…</p> : null}
      {notifications.data && items.length === 0 ? <p>No notifications yet.</p> : null}
      {items.length > 0 ? (
        <ul className="ew-notifications">
          {items.map((n) => (
            <NotificationItem
              key={n.id}
              notification={n}
              onRead={() => markRead.mutate(n.id)}
              pending={markRead.isPending}
            />
          ))}
        </ul>
      ) : null}
    </Page>
  )
}

function NotificationItem({
  notification: n,
  onRead,
  pending,
}: {
  notification: Notification
  onRead: () => void
  pending: boolean
}) {
  const unread = !n.readAt
  const link = n.link ?? undefined
  return (
    <li className={`ew-notification${unread ? ' is-unread' : ''}`}>
      <div className="ew-notification__body">
        <p className="ew-notification__title">
          {unread ? <span className="usa-sr-only">Unread: </span> : null}
          {link?.startsWith('/') ? (
            <Link to={link} className="usa-link" onClick={unread ? onRead : undefined}>
              {n.title}
            </Link>
          ) : (
            n.title
          )}
        </p>
        {n.body ? <p className="ew-notification__text">{n.body}</p> : null}
        <p className="ew-notification__meta">
          <time dateTime={n.createdAt}>{formatDateTime(n.createdAt)}</time>
        </p>
      </div>
      {unread ? (
        <Button
          type="button"
          unstyled
          className="ew-notification__action"
          disabled={pending}
          onClick={onRead}
        >
          Mark as read<span className="usa-sr-only">: {n.title}</span>
        </Button>
      ) : null}
    </li>
  )
}
