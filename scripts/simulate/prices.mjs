// Cloudflare's published prices (Workers Paid) and the month built from the simulation's unit costs.
// Checked 2026-11-29 against the pages in SOURCES; change them here when the pages change.

export const PRICES = {
  doRequests: { price: 0.15, unit: "million requests", included: 1e6, per: 1e6 },
  doDuration: { price: 12.5, unit: "million GB-s", included: 400_000, per: 1e6 },
  rowsRead: { price: 0.001, unit: "million rows read", included: 25e9, per: 1e6 },
  rowsWritten: { price: 1.0, unit: "million rows written", included: 50e6, per: 1e6 },
  storage: { price: 0.2, unit: "GB-month", included: 5, per: 1 },
  workerRequests: { price: 0.3, unit: "million Worker requests", included: 10e6, per: 1e6 },
  queueOps: { price: 0.4, unit: "million Queues operations", included: 1e6, per: 1e6 },
};

export const SOURCES = [
  "https://developers.cloudflare.com/durable-objects/platform/pricing/",
  "https://developers.cloudflare.com/workers/platform/pricing/",
  "https://developers.cloudflare.com/queues/platform/pricing/",
];

/** Incoming WebSocket messages are billed 20:1 as Durable Object requests. */
export const WS_MESSAGES_PER_REQUEST = 20;
/** Duration is billed for 128 MB whatever the object uses. */
export const GB_PER_OBJECT = 0.128;
/** Assumed: a connected device opens one new connection per connected hour (networks change, apps sleep). */
export const CONNECTS_PER_DEVICE_HOUR = 1;
export const DEVICES_ONLINE_PER_CONNECTED_USER = 2;

const cost = (key, volume, { allowances = true } = {}) => {
  const p = PRICES[key];
  return (Math.max(0, volume - (allowances ? p.included : 0)) / p.per) * p.price;
};

/**
 * The month for `users`: connected costs from the per connected user-hour units (at the average
 * connected count), event costs from the per-event units, connects from the per-connect units.
 */
export function monthly({ users, connectedAtPeak, averageToPeak, eventsPerUserDay, hoursPerMonth, units, storageBytesPerUser }) {
  const { perUserHour: h, perEvent: e, perConnect: c } = units;
  const userHours = users * connectedAtPeak * averageToPeak * hoursPerMonth;
  const events = users * eventsPerUserDay * (hoursPerMonth / 24);
  const connects = userHours * DEVICES_ONLINE_PER_CONNECTED_USER * CONNECTS_PER_DEVICE_HOUR;
  // ACKs and bytes per event were measured with the peak share connected; on average half as many see it.
  const wsMessages = (h.messages + h.pings) * userHours + e.messages * averageToPeak * events;
  const volume = {
    events,
    connects,
    alarms: h.alarms * userHours,
    wsMessages,
    doRequests: connects + events * e.hubCalls + h.alarms * userHours + wsMessages / WS_MESSAGES_PER_REQUEST,
    gbSeconds: (h.cpuSeconds * userHours + e.cpuSeconds * events + c.cpuSeconds * connects) * GB_PER_OBJECT,
    rowsRead: h.rowsRead * userHours + e.rowsRead * events + c.rowsRead * connects,
    rowsWritten: h.rowsWritten * userHours + e.rowsWritten * events + c.rowsWritten * connects,
    storageGb: (users * storageBytesPerUser) / 1e9,
    workerRequests: events + connects,
  };
  const lines = [
    { label: "DO requests (connects, publishes, alarms, WS messages / 20)", volume: volume.doRequests, cost: cost("doRequests", volume.doRequests) },
    { label: "  of which alarm wakes (heartbeat sweep, token expiry, prune)", volume: volume.alarms, cost: (volume.alarms / 1e6) * PRICES.doRequests.price },
    { label: "  of which incoming WS messages (pings counted), billed 20:1", volume: volume.wsMessages, cost: (volume.wsMessages / WS_MESSAGES_PER_REQUEST / 1e6) * PRICES.doRequests.price },
    { label: "DO duration, GB-s (active time = measured CPU, hibernated otherwise)", volume: volume.gbSeconds, cost: cost("doDuration", volume.gbSeconds) },
    { label: "SQLite rows read", volume: volume.rowsRead, cost: cost("rowsRead", volume.rowsRead) },
    { label: "SQLite rows written", volume: volume.rowsWritten, cost: cost("rowsWritten", volume.rowsWritten) },
    { label: "SQLite storage, GB-month (a 7-day log per user)", volume: volume.storageGb, cost: cost("storage", volume.storageGb) },
    { label: "Worker requests (service POSTs, socket upgrades)", volume: volume.workerRequests, cost: cost("workerRequests", volume.workerRequests) },
  ];
  const total = lines.filter((l) => !l.label.startsWith("  ")).reduce((s, l) => s + l.cost, 0);
  // One user connected all month (2 devices), no events, no allowances: the marginal idle cost.
  const month = hoursPerMonth;
  const perConnectedUserMonth =
    cost("doRequests", (h.alarms + (h.messages + h.pings) / WS_MESSAGES_PER_REQUEST + DEVICES_ONLINE_PER_CONNECTED_USER * CONNECTS_PER_DEVICE_HOUR) * month, { allowances: false })
    + cost("doDuration", (h.cpuSeconds + c.cpuSeconds * DEVICES_ONLINE_PER_CONNECTED_USER * CONNECTS_PER_DEVICE_HOUR) * month * GB_PER_OBJECT, { allowances: false })
    + cost("rowsRead", (h.rowsRead + c.rowsRead * DEVICES_ONLINE_PER_CONNECTED_USER) * month, { allowances: false })
    + cost("rowsWritten", (h.rowsWritten + c.rowsWritten * DEVICES_ONLINE_PER_CONNECTED_USER) * month, { allowances: false })
    + cost("workerRequests", DEVICES_ONLINE_PER_CONNECTED_USER * CONNECTS_PER_DEVICE_HOUR * month, { allowances: false });
  const unhibernatedDurationPerUserMonth = cost("doDuration", month * 3600 * GB_PER_OBJECT, { allowances: false });
  return { volume, lines, total, perConnectedUserMonth, unhibernatedDurationPerUserMonth };
}
