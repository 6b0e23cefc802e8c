// A data edge: "target reads source's result". Drawn as a dashed curve bulging out on the right of the
// column (sequence edges run straight down the middle), coloured by kind, labelled, with a remove button
// when selected (prompt references only: template and data_source references live in text fields).
import { BaseEdge, EdgeLabelRenderer, type Edge, type EdgeProps } from '@xyflow/react';
import { createContext, memo, useContext } from 'react';
import type { RefKind } from './edges';

export interface DataEdgeData extends Record<string, unknown> {
  kind: RefKind;
  field: string;
  index?: number;
  forward: boolean;
  sourceName: string;
  targetName: string;
  removable: boolean;
  /** One of its steps is selected: the edge is labelled (labels on every edge would crowd the column). */
  emphasised: boolean;
}

export type DataFlowEdge = Edge<DataEdgeData, 'data'>;

/** Removes the reference an edge stands for (provided by the canvas, so edge data stays plain values). */
export const RemoveEdgeContext = createContext<(edgeId: string) => void>(() => {});

const LABEL: Record<RefKind, string> = {
  prompt: 'previous_response',
  template: '{{ }}',
  data_source: 'data_source',
  input_source: 'input_source',
};

export const DataEdgeView = memo(function DataEdgeView(props: EdgeProps<DataFlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, data, selected, markerEnd } = props;
  const remove = useContext(RemoveEdgeContext);
  // Both ends are on the right side: bulge out by an amount growing with the distance, so nested
  // references of different lengths do not overlap.
  const bulge = Math.min(36 + Math.abs(targetY - sourceY) * 0.1, 110);
  const path = `M ${sourceX} ${sourceY} C ${sourceX + bulge} ${sourceY}, ${targetX + bulge} ${targetY}, ${targetX} ${targetY}`;
  // The curve's furthest point (t = 0.5 of the cubic).
  const labelX = (sourceX + targetX) / 2 + bulge * 0.75;
  const labelY = (sourceY + targetY) / 2;
  const kind = data?.kind ?? 'prompt';
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={`pc-data-edge kind-${kind}${data?.forward ? ' forward' : ''}${data?.emphasised ? ' emphasised' : ''}`}
        interactionWidth={14}
      />
      {(selected || data?.emphasised) && (
        <EdgeLabelRenderer>
          <div
            className={`pc-edge-label kind-${kind}${selected ? ' selected' : ''}${data?.forward ? ' forward' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={data?.forward ? `${data.sourceName} runs after ${data.targetName}: this reference cannot work` : `${data?.targetName} reads ${data?.sourceName} (${data?.field})`}
          >
            {LABEL[kind]}
            {selected && data?.removable && (
              <button
                type="button"
                className="pc-edge-remove nodrag nopan"
                aria-label={`Remove reference from ${data.targetName} to ${data.sourceName}`}
                onClick={(e) => {
                  e.stopPropagation();
                  remove(id);
                }}
              >
                ×
              </button>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

export const edgeTypes = { data: DataEdgeView };
