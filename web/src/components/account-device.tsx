import { useState, type FormEvent } from "react";
import { saveDeviceName, validDeviceName } from "../lib/device-identity.js";
import { useSession } from "../lib/nerve.js";
import { setSession } from "../lib/session.js";

/**
 * Renames this device. The name is kept in this browser and sent on the next connection, which
 * starts at once: the other devices see the new name in their device list.
 */
export function AccountDevice() {
  const session = useSession();
  const [name, setName] = useState(session?.deviceName ?? "");
  const [saved, setSaved] = useState(false);
  if (!session) return null;
  const trimmed = name.trim();
  const valid = validDeviceName(trimmed);
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || trimmed === session.deviceName) return;
    saveDeviceName(trimmed);
    setSession({ ...session, deviceName: trimmed });
    setSaved(true);
  };
  return (
    <form className="field" onSubmit={save}>
      <label htmlFor="device-name">This device's name</label>
      <div className="row" style={{ flexWrap: "nowrap" }}>
        <input id="device-name" value={name} maxLength={64} onChange={(e) => { setName(e.target.value); setSaved(false); }} data-testid="device-name-input" />
        <button type="submit" className="small" disabled={!valid || trimmed === session.deviceName}>Save</button>
      </div>
      <span className="hint" role="status">{saved ? "Saved. Your other devices see the new name." : "How your other devices see this one"}</span>
    </form>
  );
}
