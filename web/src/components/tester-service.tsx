import { useState, type FormEvent } from "react";
import { postService, SERVICE_ENDPOINTS, type ServiceAnswer, type ServiceEndpoint } from "../lib/service-api.js";
import { SERVICE_TEMPLATES, type TemplateContext } from "./tester-templates.js";
import { SendIcon } from "./icons.js";

/** POSTs a service event with a service token, as a processing service would. */
export function ServiceForm({ ctx, defaultToken }: { ctx: TemplateContext; defaultToken: string }) {
  const [endpoint, setEndpoint] = useState<ServiceEndpoint>("shoot-progress");
  const [body, setBody] = useState(() => JSON.stringify(SERVICE_TEMPLATES["shoot-progress"](ctx), null, 2));
  const [token, setToken] = useState(defaultToken);
  const [idem, setIdem] = useState("");
  const [answer, setAnswer] = useState<ServiceAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const pick = (e: ServiceEndpoint) => {
    setEndpoint(e);
    setBody(JSON.stringify(SERVICE_TEMPLATES[e](ctx), null, 2));
    setAnswer(null);
  };
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setAnswer(await postService(endpoint, body, token, idem.trim() || undefined));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Service event" data-testid="service-form">
      <div className="field">
        <label htmlFor="svc-endpoint">Endpoint</label>
        <select id="svc-endpoint" value={endpoint} onChange={(e) => pick(e.target.value as ServiceEndpoint)}>
          {SERVICE_ENDPOINTS.map((e) => <option key={e} value={e}>POST /api/sync/{e}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="svc-body">Body (JSON)</label>
        <textarea id="svc-body" value={body} onChange={(e) => setBody(e.target.value)} spellCheck={false} rows={9} />
      </div>
      <div className="field">
        <label htmlFor="svc-token">Service token</label>
        <input id="svc-token" type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" placeholder="scope sync:publish" />
        <span className="hint">{defaultToken ? "Filled in from your dev sign-in" : "Mint one with npm run token -- --service"}</span>
      </div>
      <div className="field">
        <label htmlFor="svc-idem">Idempotency-Key (optional)</label>
        <input id="svc-idem" value={idem} onChange={(e) => setIdem(e.target.value)} placeholder="e.g. job-123-tick-7" />
      </div>
      <button type="submit" className="primary" disabled={busy || !token} data-testid="service-send"><SendIcon width={15} /> Send service event</button>
      {error && <p className="error-text" role="alert">{error}</p>}
      {answer && (
        <div role="status">
          <span className={`badge ${answer.status < 300 ? "ok" : "bad"}`} data-testid="service-status">HTTP {answer.status}</span>
          <span className="small muted"> in {answer.ms} ms</span>
          <pre className="result" data-testid="service-answer">{JSON.stringify(answer.body, null, 2)}</pre>
        </div>
      )}
    </form>
  );
}
