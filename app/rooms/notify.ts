// Browser notifications for a room's activity while the page is hidden: on a mention,
// or on every message in a room set to "all". Permission is asked for on a click only.

/** Whether a new message deserves a notification now. */
export function shouldNotify(options: { hidden: boolean; mention: boolean; notify: "mentions" | "all"; own: boolean }): boolean {
  return options.hidden && !options.own && (options.mention || options.notify === "all");
}

export function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

/** Shows one; clicking it brings the page back, opening the room at that message. */
export function showNotification(title: string, body: string, open: () => void): void {
  if (!notificationsAllowed()) return;
  const notification = new Notification(title, { body, tag: title });
  notification.onclick = () => {
    window.focus();
    open();
    notification.close();
  };
}
