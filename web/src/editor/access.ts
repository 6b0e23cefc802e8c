// Why the sync socket cannot connect, when HTTP can tell: a browser hides the status of a refused WebSocket
// handshake (a pipeline that is gone or no longer visible, a session that ended), so each time the
// connection goes offline the pipeline is asked for over HTTP. 404: the pipeline is gone for this user (deleted,
// or they left its team); 401: signed out, so the sign-in page (a full load: nothing of the session stays),
// coming back here afterwards.
import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { getPipeline } from '../api/pipelines';
import { signingOut } from '../api/session';
import { signInPath } from '../ui/router';
import type { SyncStatus } from '../sync/connection';

export type Access = 'ok' | 'missing';

export function usePipelineAccess(id: string, status: SyncStatus): Access {
  const [access, setAccess] = useState<Access>('ok');
  const down = status.state === 'offline' || status.state === 'error';
  useEffect(() => {
    if (!down || !navigator.onLine) return;
    const ctl = new AbortController();
    getPipeline(id).then(
      () => setAccess('ok'),
      (e) => {
        if (ctl.signal.aborted || !(e instanceof ApiError)) return;
        if (e.status === 404) setAccess('missing');
        else if (e.status === 401 && !signingOut()) location.assign(signInPath(location.pathname + location.search));
      },
    );
    return () => ctl.abort();
  }, [id, down]);
  return access;
}
