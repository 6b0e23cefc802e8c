// `pipeline` steps name another file (`pipeline_file`). The canvas links it to the team's pipeline of that
// file name, when there is one: the list is fetched once per open editor.
import { useEffect, useState } from 'react';
import { listPipelines } from '../../api/pipelines';

/** Basename of a path (`./pipelines/child.yaml` → `child.yaml`). */
export const basename = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** File name → pipeline id, for the pipelines of the open pipeline's team; null while loading or failed. */
export function usePipelineFiles(pipelineId: string, wanted: boolean): Map<string, string> | null {
  const [files, setFiles] = useState<Map<string, string> | null>(null);
  useEffect(() => {
    if (!wanted || files) return;
    const ctl = new AbortController();
    listPipelines('', ctl.signal, 200)
      .then((page) => {
        const team = page.items.find((p) => p.id === pipelineId)?.team;
        const out = new Map<string, string>();
        for (const p of page.items) {
          if (p.file_name && p.id !== pipelineId && (!team || p.team === team)) out.set(basename(p.file_name), p.id);
        }
        setFiles(out);
      })
      .catch(() => {
        // Offline or signed out: links are left out rather than flagged missing.
      });
    return () => ctl.abort();
  }, [pipelineId, wanted, files]);
  return files;
}
