import { useEffect } from "react";
import { Layout } from "./components/layout.js";
import { NerveSessionProvider, useSession } from "./lib/nerve.js";
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

function Routes({ pathname }: { pathname: string }) {
  let p: Record<string, string> | null;
  if (pathname === "/") return <OverviewPage />;
  if (pathname === "/devices") return <DevicesPage />;
  if (pathname === "/shoots") return <ShootsPage />;
  if ((p = match("/shoots/:shootId/report", pathname))) return <ShootReportPage shootId={p.shootId!} />;
  if ((p = match("/shoots/:shootId", pathname))) return <ShootProgressPage key={p.shootId} shootId={p.shootId!} />;
  if (pathname === "/convergence") return <ConvergencePage />;
  if (pathname === "/dreams") return <DreamsPage />;
  if ((p = match("/dreams/:cycleId", pathname))) return <DreamReportPage cycleId={p.cycleId!} />;
  if (pathname === "/tester") return <TesterPage />;
  return <NotFoundPage />;
}

export function App() {
  const session = useSession();
  const { pathname, search } = useLocation();
  const wantsSignIn = pathname === "/sign-in";

  useEffect(() => {
    const title = TITLES.find(([pattern]) => match(pattern, pathname))?.[1];
    document.title = title ? `${title} · Nerve` : "Nerve";
  }, [pathname]);

  useEffect(() => {
    if (session && wantsSignIn && search.get("fresh") !== "1") navigate("/", { replace: true });
  }, [session, wantsSignIn, search]);

  if (!session || (wantsSignIn && search.get("fresh") === "1")) return <SignInPage />;
  if (wantsSignIn) return null;
  return (
    <NerveSessionProvider session={session}>
      <Layout>
        <Routes pathname={pathname} />
      </Layout>
    </NerveSessionProvider>
  );
}
