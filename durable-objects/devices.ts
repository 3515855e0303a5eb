import { TOPICS, type DeviceInfo, type Platform, type Topic } from "../protocol/index.js";

interface DeviceRow extends Record<string, SqlStorageValue> {
  device_id: string;
  platform: string;
  name: string | null;
  last_seen: number;
  acked_seq: number;
}

/** The user's devices: every device that ever connected, with its ACK cursor and last sighting. */
export class DeviceRegistry {
  constructor(private readonly sql: SqlStorage) {}

  /** Records a connection of a device (new or known), updating platform, name and the topics it asked for. */
  seen(deviceId: string, platform: Platform, name: string | undefined, topics: readonly Topic[] | null, now: number): void {
    this.sql.exec(
      `INSERT INTO devices (device_id, platform, name, first_seen, last_seen, topics) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(device_id) DO UPDATE SET platform = excluded.platform, name = COALESCE(excluded.name, devices.name), last_seen = excluded.last_seen, topics = excluded.topics`,
      deviceId, platform, name ?? null, now, now, (topics ?? TOPICS).join(","),
    );
  }

  /**
   * The topics of the device's last connection, or undefined when unknown (a new device, or one last
   * seen before topics were recorded). A cursor covers only the topics it was earned with.
   */
  topicsOf(deviceId: string): Topic[] | undefined {
    const raw = this.sql.exec<{ topics: string | null }>("SELECT topics FROM devices WHERE device_id = ?", deviceId).toArray()[0]?.topics;
    return typeof raw === "string" ? (raw.split(",").filter((t) => (TOPICS as readonly string[]).includes(t)) as Topic[]) : undefined;
  }

  touch(deviceId: string, now: number): void {
    this.sql.exec("UPDATE devices SET last_seen = ? WHERE device_id = ?", now, deviceId);
  }

  /** Moves the device's ACK cursor forward (never back). */
  ack(deviceId: string, seq: number): void {
    this.sql.exec("UPDATE devices SET acked_seq = MAX(acked_seq, ?) WHERE device_id = ?", seq, deviceId);
  }

  /** The device list, with live connection counts from `connectionsOf`. Online devices first, then by last seen. */
  list(connectionsOf: (deviceId: string) => number, now: number): DeviceInfo[] {
    return this.sql.exec<DeviceRow>("SELECT device_id, platform, name, last_seen, acked_seq FROM devices ORDER BY last_seen DESC LIMIT 200").toArray()
      .map((r) => this.toInfo(r, connectionsOf(r.device_id), now))
      .sort((a, b) => Number(b.online) - Number(a.online));
  }

  get(deviceId: string, connections: number, now: number): DeviceInfo | undefined {
    const row = this.sql.exec<DeviceRow>("SELECT device_id, platform, name, last_seen, acked_seq FROM devices WHERE device_id = ?", deviceId).toArray()[0];
    return row ? this.toInfo(row, connections, now) : undefined;
  }

  private toInfo(r: DeviceRow, connections: number, now: number): DeviceInfo {
    return {
      deviceId: r.device_id,
      platform: r.platform as Platform,
      ...(r.name ? { name: r.name } : {}),
      online: connections > 0,
      connections,
      lastSeen: connections > 0 ? now : r.last_seen,
      ackedSeq: r.acked_seq,
    };
  }
}
