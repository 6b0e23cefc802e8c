// Names for user ids (comment authors, version authors): the pipeline's team members (readable by every
// role), the signed-in user, and the names replicas recorded for their peers. Loaded once per editor, when
// first wanted.
import { useEffect, useState } from 'react';
import { getJson } from '../api/client';
import { getPipeline } from '../api/pipelines';

interface Members {
  items: { user: { id: string; name: string; email: string } }[];
}

export function useTeamNames(pipelineId: string, wanted: boolean): Map<string, string> {
  const [names, setNames] = useState<Map<string, string>>(() => new Map());
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    getPipeline(pipelineId)
      .then((p) => getJson<Members>(`/api/teams/${encodeURIComponent(p.team)}/members`))
      .then((m) => {
        if (live) setNames(new Map(m.items.map((i) => [i.user.id, i.user.name || i.user.email])));
      })
      // Offline or no access: names fall back to what the document and the session know.
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [pipelineId, wanted]);
  return names;
}
