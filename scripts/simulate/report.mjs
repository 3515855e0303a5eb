// The printed part of `npm run simulate`: the measured windows, unit costs, and the month
// extrapolated with Cloudflare's prices (scripts/simulate/prices.mjs).
import { cpus, loadavg } from "node:os";
import { PRICES, SOURCES, monthly } from "./prices.mjs";
import {
  AVERAGE_TO_PEAK, CONNECTED_AT_PEAK, EVENTS_PER_USER_DAY, HOURS_PER_MONTH, TARGET_USERS, TOKEN_TTL_S, USERS, simHours,
} from "./workload.mjs";

export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => `  ${r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join("  ")}`;
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n");
}

export const sum = (kinds, field, names = Object.keys(kinds)) => names.reduce((s, k) => s + (kinds[k]?.[field] ?? 0), 0);
const n0 = (x) => Math.round(x).toLocaleString("en-US");
const n2 = (x) => (x >= 100 ? n0(x) : x.toFixed(2));
const usd = (x) => `$${x >= 100 ? n0(x) : x.toFixed(x < 1 ? 4 : 2)}`;

/**
 * Per connected user-hour of the idle window, per event of the events window (less the idle
 * window's rate, which runs under it), per connect: the unit costs the month is built from.
 */
export function unitCosts(run) {
  const { idle, events, connect, connectedUsers } = run;
  const idleUserHours = connectedUsers * simHours(idle.wall);
  const hubCalls = (m) => sum(m.hub.kinds, "calls", ["connect", "message", "close", "alarm", "publish", "read"]);
  const perUserHour = {
    alarms: (idle.hub.kinds.alarm?.calls ?? 0) / idleUserHours,
    messages: (idle.hub.kinds.message?.calls ?? 0) / idleUserHours,
    pings: idle.wire.pings / idleUserHours,
    rowsRead: sum(idle.hub.kinds, "rowsRead") / idleUserHours,
    rowsWritten: (sum(idle.hub.kinds, "rowsWritten") + idle.hub.alarmsSet) / idleUserHours,
    cpuSeconds: idle.cpu / idleUserHours,
    bytesToDevices: idle.wire.bytesIn / idleUserHours,
    instances: idle.hub.instances / idleUserHours,
  };
  let perEvent = null;
  if (events) {
    const scale = events.wall / idle.wall;
    const over = (x, idleX) => Math.max(0, x - idleX * scale) / events.events;
    perEvent = {
      hubCalls: over(hubCalls(events), hubCalls(idle)),
      messages: over(events.hub.kinds.message?.calls ?? 0, idle.hub.kinds.message?.calls ?? 0),
      rowsRead: over(sum(events.hub.kinds, "rowsRead"), sum(idle.hub.kinds, "rowsRead")),
      rowsWritten: over(sum(events.hub.kinds, "rowsWritten") + events.hub.alarmsSet, sum(idle.hub.kinds, "rowsWritten") + idle.hub.alarmsSet),
      publishRowsWritten: (events.hub.kinds.publish?.rowsWritten ?? 0) / events.events,
      cpuSeconds: over(events.cpu, idle.cpu),
      bytesToDevices: over(events.wire.bytesIn, idle.wire.bytesIn),
      postBytes: events.wire.postBytes / events.events,
      instances: over(events.hub.instances, idle.hub.instances),
    };
  }
  const perConnect = {
    rowsRead: sum(connect.hub.kinds, "rowsRead") / run.devices,
    rowsWritten: (sum(connect.hub.kinds, "rowsWritten") + connect.hub.alarmsSet) / run.devices,
    cpuSeconds: connect.cpu / run.devices,
    bytes: connect.wire.bytesIn / run.devices,
  };
  return { perUserHour, perEvent, perConnect };
}


export function report(now, old, full) {
  const u = unitCosts(now);
  const o = unitCosts(old);
  console.log("Measured (simulated time: each window is its wall seconds x compression):");
  const kindsRow = (label, m) => [label, ...["connect", "message", "alarm", "publish", "close"].map((k) => n0(m.hub.kinds[k]?.calls ?? 0)), n0(m.wire.pings), n0(sum(m.hub.kinds, "rowsRead")), n0(sum(m.hub.kinds, "rowsWritten") + m.hub.alarmsSet), n0(m.hub.instances), m.cpu.toFixed(2), n0(m.wire.bytesIn)];
  console.log(table([
    ["window", "connects", "ws msgs", "alarms", "publishes", "closes", "pings", "rows read", "rows written", "hub starts", "CPU s", "bytes to devices"],
    kindsRow(`connect ${now.devices} devices of ${now.connectedUsers} users`, now.connect),
    kindsRow(`idle ${simHours(now.idle.wall).toFixed(2)} h, current sweep`, now.idle),
    kindsRow(`idle ${simHours(old.idle.wall).toFixed(2)} h, old 60 s sweep`, old.idle),
    kindsRow(`events ${simHours(now.events.wall).toFixed(2)} h: ${now.events.events} POSTs to ${USERS} users`, now.events),
  ]));
  console.log(`  full 7-day log in one hub: ${full.events} events (${full.batches} batch POSTs) -> ${n0(full.bytes)} bytes of SQLite, ${n0(full.rowsWritten)} rows written (${n2(full.rowsWritten / full.events)} a batched event; ${n2(now.events.hub.kinds.publish.rowsWritten / now.events.events)} a single POST)`);
  console.log(`  sockets closed by the server during the run: ${JSON.stringify(now.idle.wire.closedByServer)} (current), ${JSON.stringify(old.idle.wire.closedByServer)} (old)`);
  const writes = Object.entries(now.events.hub.publishWrites).sort((a, b) => b[1] - a[1]);
  console.log(`  rows written by the ${now.events.events} publishes, by statement:`);
  for (const [query, rows] of writes) console.log(`    ${n2(rows / now.events.events)} a publish  ${query}`);
  const kindRows = (m) => Object.entries(m.hub.kinds).map(([k, v]) => `${k} ${n0(v.rowsWritten)}`).join(", ");
  console.log(`  rows written by invocation kind, events window: ${kindRows(now.events)}; idle window: ${kindRows(now.idle)} (+ ${now.idle.hub.alarmsSet} setAlarm)`);
  console.log("\nUnit costs:");
  console.log(table([
    ["per connected user-hour (2 devices on average)", "current sweep", "old 60 s sweep"],
    ["hub alarm wakes", n2(u.perUserHour.alarms), n2(o.perUserHour.alarms)],
    ["incoming WebSocket messages (ACK, REFRESH) that reach the hub", n2(u.perUserHour.messages), n2(o.perUserHour.messages)],
    ["pings (answered by the runtime, the hub stays asleep)", n2(u.perUserHour.pings), n2(o.perUserHour.pings)],
    ["SQL rows read", n2(u.perUserHour.rowsRead), n2(o.perUserHour.rowsRead)],
    ["SQL rows written (incl. setAlarm)", n2(u.perUserHour.rowsWritten), n2(o.perUserHour.rowsWritten)],
    ["workerd CPU ms", n2(u.perUserHour.cpuSeconds * 1000), n2(o.perUserHour.cpuSeconds * 1000)],
  ]));
  const e = u.perEvent;
  console.log(table([
    ["per service event (POST, 50 per user per day)", "value"],
    ["hub invocations (the publish RPC and what it causes)", n2(e.hubCalls)],
    ["SQL rows read", n2(e.rowsRead)],
    ["SQL rows written in the publish itself", n2(e.publishRowsWritten)],
    ["SQL rows written, all (ACK messages, prune alarms)", n2(e.rowsWritten)],
    ["incoming ACK messages it causes", n2(e.messages)],
    ["workerd CPU ms (Worker + hub)", n2(e.cpuSeconds * 1000)],
    ["bytes to connected devices", n2(e.bytesToDevices)],
    ["bytes of the POST body", n2(e.postBytes)],
  ]));
  console.log(table([
    ["per device connect (catch-up of an empty log)", "value"],
    ["SQL rows read / written", `${n2(u.perConnect.rowsRead)} / ${n2(u.perConnect.rowsWritten)}`],
    ["workerd CPU ms", n2(u.perConnect.cpuSeconds * 1000)],
  ]));

  const plan = (units) => monthly({
    users: TARGET_USERS, connectedAtPeak: CONNECTED_AT_PEAK, averageToPeak: AVERAGE_TO_PEAK, eventsPerUserDay: EVENTS_PER_USER_DAY,
    hoursPerMonth: HOURS_PER_MONTH, tokenTtlS: TOKEN_TTL_S, units, storageBytesPerUser: full.bytes,
  });
  const pn = plan(u);
  const po = plan({ ...u, perUserHour: o.perUserHour });
  console.log(`\nExtrapolated to ${n0(TARGET_USERS)} users a month (${CONNECTED_AT_PEAK * 100}% connected at peak, ${AVERAGE_TO_PEAK * 100}% of that on average; ${n0(pn.volume.events)} events; prices below, allowances taken off once):`);
  console.log(table([
    ["line", "volume (current)", "cost (current)", "volume (old sweep)", "cost (old sweep)"],
    ...pn.lines.map((l, i) => [l.label, n0(l.volume), usd(l.cost), n0(po.lines[i].volume), usd(po.lines[i].cost)]),
    ["total", "", usd(pn.total), "", usd(po.total)],
  ]));
  console.log(table([
    ["cost per connected user-month (a user connected all month, 2 devices, no events)", "value"],
    ["old 60 s sweep", usd(po.perConnectedUserMonth)],
    ["current idle sweep", usd(pn.perConnectedUserMonth)],
    ["  of which DO duration without hibernation would be (the socket pins the object)", usd(pn.unhibernatedDurationPerUserMonth)],
  ]));
  console.log(`\nPrices (USD, Workers Paid): ${Object.entries(PRICES).map(([k, v]) => `${k} ${v.price} per ${v.unit}`).join("; ")}.`);
  console.log(`Sources: ${SOURCES.join(" ")}`);
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\nLoopback, ${cpus().length} cores, load average ${load}: CPU seconds include the Worker's share and other work's interference; counts do not.`);
}

