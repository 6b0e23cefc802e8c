import { useCallback, useEffect, useState } from 'react';
import { loadMe, type Me } from './api/session';
import { EditorPage } from './pages/EditorPage';
import { PipelinesPage } from './pages/PipelinesPage';
import { SignInPage } from './pages/SignInPage';
import { TeamsPage } from './pages/TeamsPage';
import { navigate, nextPath, signInPath, useRoute } from './ui/router';

/** The first answer to "who is signed in", when main.tsx had it before the first render. */
export type FirstMe = { value: Me | null } | { error: string };

export function App({ first }: { first?: FirstMe }) {
  const route = useRoute();
  const [me, setMe] = useState<Me | null | undefined>(first && 'value' in first ? first.value : undefined);
  const [error, setError] = useState<string | null>(first && 'error' in first ? first.error : null);

  const refresh = useCallback(
    () => loadMe().then(setMe, (e) => setError(String(e?.message ?? e))),
    [],
  );
  useEffect(() => {
    if (!first) void refresh();
    // Opened offline (from the kept answer): ask again when the network is back, for a fresh CSRF token.
    // (A failure then changes nothing: the app goes on as it was.)
    const again = () => void loadMe().then((m) => m !== null && setMe(m), () => {});
    window.addEventListener('online', again);
    return () => window.removeEventListener('online', again);
  }, [refresh, first]);

  // Signed out on one of the app's pages: the sign-in page, which comes back here afterwards.
  useEffect(() => {
    if (me === null && route.page !== 'signin') navigate(signInPath(location.pathname + location.search), true);
  }, [me, route]);

  if (error) return <main className="center-page"><p role="alert">Cannot reach the server: {error}</p></main>;
  if (me === undefined) return <main className="center-page" aria-busy="true" />;
  if (me === null || route.page === 'signin') {
    return (
      <SignInPage
        signedIn={!!me}
        onSignedIn={async () => {
          setMe(await loadMe());
          navigate(nextPath(location.search), true);
        }}
      />
    );
  }
  switch (route.page) {
    case 'editor':
      return <EditorPage key={route.id} id={route.id} me={me} />;
    case 'pipelines':
      return <PipelinesPage me={me} />;
    case 'teams':
      return <TeamsPage me={me} teamId={route.id} onMeChanged={() => void refresh()} />;
    default:
      return (
        <main className="center-page">
          <h1>Not found</h1>
          <p><a href="/" onClick={(e) => { e.preventDefault(); navigate('/'); }}>Back to the pipelines</a></p>
        </main>
      );
  }
}
