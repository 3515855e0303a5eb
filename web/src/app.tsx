import { useEffect } from "react";
import { Layout } from "./components/layout.js";
import { NerveSessionProvider, useSession } from "./lib/nerve.js";
import { getSessionEnd } from "./lib/session.js";
import { SessionEndedPage } from "./pages/session-ended.js";
import { match, navigate, useLocation } from "./lib/router.js";
import { ConvergencePage } from "./pages/convergence.js";
import { DevicesPage } from "./pages/devices.js";
import { DreamReportPage } from "./pages/dream-report.js";
import { DreamsPage } from "./pages/dreams.js";
import { NotFoundPage } from "./pages/not-found.js";
import { OverviewPage } from "./pages/overview.js";
import { ShootProgressPage } from "./pages/shoot-progress.js";
import { ShootReportPage } from "./pages/shoot-report.js";
import { ShootsPage } from "./pages/shoots.js";
import { SignInPage } from "./pages/sign-in.js";
import { TesterPage } from "./pages/tester.js";

const TITLES: [string, string][] = [
  ["/", "Overview"], ["/devices", "Devices"], ["/shoots", "Shoots"], ["/shoots/:shootId", "Shoot progress"],
  ["/shoots/:shootId/report", "Shoot report"], ["/convergence", "Convergence"], ["/dreams", "Dreams"],
  ["/dreams/:cycleId", "Dream report"], ["/tester", "Tester"], ["/sign-in", "Sign in"],
];

/** Whether the last session was a dev sign-in (so "session ended" can offer signing in again). */
let lastSource: "dev" | "host" | null = null;

function Routes({ pathname, dev }: { pathname: string; dev: boolean }) {
  let p: Record<string, string> | null;
  if (pathname === "/") return <OverviewPage />;
  if (pathname === "/devices") return <DevicesPage />;
  if (pathname === "/shoots") return <ShootsPage />;
  if ((p = match("/shoots/:shootId/report", pathname))) return <ShootReportPage shootId={p.shootId!} />;
  if ((p = match("/shoots/:shootId", pathname))) return <ShootProgressPage key={p.shootId} shootId={p.shootId!} />;
  if (pathname === "/convergence") return <ConvergencePage />;
  if (pathname === "/dreams") return <DreamsPage />;
  if ((p = match("/dreams/:cycleId", pathname))) return <DreamReportPage cycleId={p.cycleId!} />;
  if (pathname === "/tester" && dev) return <TesterPage />;
  return <NotFoundPage />;
}

export function App() {
  const session = useSession();
  const { pathname, search } = useLocation();
  const wantsSignIn = pathname === "/sign-in";
  if (session) lastSource = session.source;

  useEffect(() => {
    const title = TITLES.find(([pattern]) => match(pattern, pathname))?.[1];
    document.title = title ? `${title} · Nerve` : "Nerve";
  }, [pathname]);

  useEffect(() => {
    if (session && wantsSignIn && search.get("fresh") !== "1") navigate("/", { replace: true });
  }, [session, wantsSignIn, search]);

  const ended = getSessionEnd();
  if (!session && ended && !wantsSignIn) return <SessionEndedPage reason={ended} dev={lastSource === "dev"} />;
  if (!session || (wantsSignIn && search.get("fresh") === "1")) return <SignInPage />;
  if (wantsSignIn) return null;
  return (
    <NerveSessionProvider session={session}>
      <Layout>
        <Routes pathname={pathname} dev={session.source === "dev"} />
      </Layout>
    </NerveSessionProvider>
  );
}
