import { CompassIcon } from "../components/icons.js";
import { Link } from "../lib/router.js";

export function NotFoundPage() {
  return (
    <div className="card empty">
      <CompassIcon />
      <h1>Nothing here</h1>
      <p>This page does not exist. <Link to="/">Back to the overview</Link>.</p>
    </div>
  );
}
