// FIRST CUT (being replaced): steps as React Flow nodes in execution order.
import { Background, Controls, ReactFlow, type Node } from '@xyflow/react';
import { useMemo } from 'react';
import { useEditor } from './state';

export function Canvas() {
  const { model, selection, setSelection } = useEditor();
  const nodes: Node[] = useMemo(
    () =>
      model.all.map((s) => ({
        id: s.id,
        position: { x: s.depth * 40, y: s.order * 90 },
        data: { label: String(s.fields?.name ?? '?') },
        selected: selection.includes(s.id),
      })),
    [model, selection],
  );
  return (
    <ReactFlow nodes={nodes} edges={[]} fitView onNodeClick={(_, n) => setSelection([n.id as never])}>
      <Background />
      <Controls />
    </ReactFlow>
  );
}
