// Others' selections as model paths for the YAML pane: recomputed when their selections or the steps change
// (not when a cursor moves).
import type { TreeID } from 'loro-crdt';
import { useEffect, useRef } from 'react';
import { useEditor } from '../state';
import { usePeers, usePresence } from './hooks';
import type { PeerPaths } from './yamlPeers';

export function usePeerPaths(show: (peers: PeerPaths[]) => void): void {
  const { model } = useEditor();
  const peers = usePeers(usePresence());
  const last = useRef('');
  const showRef = useRef(show);
  showRef.current = show;
  useEffect(() => {
    const out: PeerPaths[] = peers
      .map((p) => ({
        name: p.name,
        colour: p.colour,
        paths: p.selection.map((id) => model.byId.get(id as TreeID)?.path).filter((x): x is string => !!x),
      }))
      .filter((p) => p.paths.length);
    const key = JSON.stringify(out);
    if (key === last.current) return;
    last.current = key;
    showRef.current(out);
  }, [peers, model]);
}
